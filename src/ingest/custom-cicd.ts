import { type ErrorDetail, InputError, validationError } from '../core/errors.js';
import { check } from '../core/validate.js';
import { type CustomCicdRun, CustomCicdRunSchema } from './custom-cicd-schema.js';
import type { DomainRun, ParamRow, StepRow } from '../domain/cicd-run.js';
import { ACCEPTED_RESULT_VALUES, canonicalResult } from '../domain/results.js';

/** A webhook run always names its instance. */
export type WebhookRun = DomainRun & { instanceGuid: string };

const ALIASES: readonly (readonly [string, readonly string[]])[] = [
  ['pipeline', ['job_name']],
  ['qualified_name', ['job_normalized_full_name', 'job_full_name']],
];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Removes the `{data: ...}` or `{request_type, payload}` wrapper the documents mention. */
export function unwrap(body: unknown): Record<string, unknown> {
  if (!isObject(body)) {
    throw new InputError('invalid_body', 'The body must be a JSON object describing one CI/CD run.');
  }
  let current = body;
  for (let depth = 0; depth < 2; depth++) {
    if ('instance_guid' in current || 'pipeline' in current || 'job_name' in current) break;
    const inner = isObject(current['payload'])
      ? current['payload']
      : isObject(current['data'])
        ? current['data']
        : null;
    if (inner === null) break;
    current = inner;
  }
  return current;
}

/** Fills documented fields from the names the curl example uses; a present canonical field wins. */
export function applyAliases(run: Record<string, unknown>): Record<string, unknown> {
  const out = { ...run };
  for (const [field, aliases] of ALIASES) {
    if (out[field] !== undefined && out[field] !== null) continue;
    for (const alias of aliases) {
      if (typeof out[alias] === 'string' && out[alias] !== '') {
        out[field] = out[alias];
        break;
      }
    }
  }
  return out;
}

const str = (v: string | null | undefined): string | null => (v === undefined || v === null ? null : v);
const num = (v: number | string | null | undefined): number | null =>
  v === undefined || v === null ? null : Math.round(Number(v));

function step(s: {
  displayName: string;
  displayDescription?: string | null;
  result?: string | null;
  state?: string | null;
  durationInMillis?: number | string | null;
}): StepRow {
  return {
    name: s.displayName,
    description: str(s.displayDescription),
    result: str(s.result),
    state: str(s.state),
    durationMs: num(s.durationInMillis),
  };
}

function runKey(run: CustomCicdRun, buildNumber: string | null, startMs: number): string {
  if (typeof run.execution_id === 'string') return `exec:${run.execution_id}`;
  if (buildNumber !== null) return `build:${run.qualified_name}#${buildNumber}`;
  return `start:${run.qualified_name}@${startMs}`;
}

function paramValue(v: string | number | boolean | null | undefined): Pick<ParamRow, 'value' | 'valueType'> {
  if (v === undefined || v === null) return { value: null, valueType: 'null' };
  if (typeof v === 'number') return { value: String(v), valueType: 'number' };
  if (typeof v === 'boolean') return { value: String(v), valueType: 'boolean' };
  return { value: v, valueType: 'string' };
}

/** Maps a posted body (any documented form) to one canonical run, or throws naming every bad field. */
export function parseCustomCicdRun(body: unknown, fieldPrefix = ''): WebhookRun {
  const run = check<CustomCicdRun>(CustomCicdRunSchema, applyAliases(unwrap(body)), fieldPrefix);
  const problems: ErrorDetail[] = [];
  const result = canonicalResult(run.result);
  if (result === undefined) {
    problems.push({
      code: 'invalid_result',
      field: `${fieldPrefix}result`,
      message: `result "${run.result}" is not known; use one of ${ACCEPTED_RESULT_VALUES.join(', ')} (any case).`,
    });
  }
  const startMs = Number(run.start_time);
  const durationMs = Math.round(Number(run.duration));
  if (startMs + durationMs > 253_402_300_799_999) {
    problems.push({
      code: 'invalid_value',
      field: `${fieldPrefix}duration`,
      message: 'start_time + duration is past the year 9999.',
    });
  }
  if (problems.length > 0 || result === undefined) throw validationError(problems);

  const buildNumber = run.build_number === undefined || run.build_number === null ? null : String(run.build_number);
  const commits = [...new Set(run.scm_commit_ids ?? [])];
  return {
    instanceGuid: run.instance_guid.toLowerCase(),
    runKey: runKey(run, buildNumber, startMs),
    executionId: str(run.execution_id),
    pipeline: run.pipeline,
    jobFullName: run.job_full_name,
    qualifiedName: run.qualified_name,
    instanceName: run.instance_name,
    instanceUrl: str(run.instance_url),
    projectName: str(run.project_name),
    userId: str(run.user_id),
    repoUrl: str(run.repo_url),
    buildNumber,
    branchName: str(run.branch_name),
    moduleName: run.module_name === undefined || run.module_name === null ? null : String(run.module_name),
    result,
    resultRaw: run.result,
    startTime: new Date(startMs),
    endTime: new Date(startMs + durationMs),
    durationMs,
    ci: run.ci ?? null,
    cd: run.cd ?? null,
    cfrStatus: run.cfr_status ?? null,
    themes: [...new Set(run.themes ?? [])],
    webUrl: str(run.web_url),
    triggerChain: (run.trigger_chain ?? []).map((t) => ({ id: t.id, type: str(t.type) })),
    stages: (run.job_run?.stages ?? []).map((s) => ({ ...step(s), steps: (s.steps ?? []).map(step) })),
    commits: commits.map((sha) => ({ sha })),
    artifacts: (run.artifacts ?? []).map((a) => ({
      input: a.input ?? null,
      output: a.output ?? null,
      type: str(a.type),
      location: str(a.location),
      name: str(a.name),
      qualifier: str(a.qualifier),
      hash: str(a.hash),
      metadata: a.metadata ?? null,
    })),
    params: (run.job_run_params ?? []).map((p) => ({ type: str(p.type), name: p.name, ...paramValue(p.value) })),
  };
}
