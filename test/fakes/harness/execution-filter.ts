// Reading and applying the execution-list filter: the `PipelineExecutionFilterProperties` body plus the
// query parameters of POST /pipeline/api/pipelines/execution/summary.

import { unreadableBody, unsupportedMediaType } from './errors.js';
import type { ExecutionPlan } from './model.js';
import { statusAt } from './stage-state.js';

/** Display names of harness-core's ExecutionStatus; input matches them case-insensitively. */
export const EXECUTION_STATUSES = [
  'Running',
  'AsyncWaiting',
  'TaskWaiting',
  'TimedWaiting',
  'Failed',
  'Errored',
  'IgnoreFailed',
  'NotStarted',
  'Expired',
  'Aborted',
  'Discontinuing',
  'Queued',
  'Paused',
  'ResourceWaiting',
  'InterventionWaiting',
  'ApprovalWaiting',
  'WaitStepRunning',
  'QueuedLicenseLimitReached',
  'QueuedExecutionConcurrencyReached',
  'Success',
  'Suspended',
  'Skipped',
  'Pausing',
  'ApprovalRejected',
  'InputWaiting',
  'AbortedByFreeze',
  'UploadWaiting',
  'QueuedGlobalInfraCapacityReached',
  'QUEUED_PLAN_CREATION',
];

export interface ExecutionFilter {
  statuses?: Set<string>;
  queryStatuses?: Set<string>;
  pipelineIdentifier?: string;
  pipelineIdentifiers?: Set<string>;
  planExecutionIds?: Set<string>;
  startTime?: number;
  endTime?: number;
  triggerTypes?: Set<string>;
  pipelineName?: string;
  searchTerm?: string;
  module?: string;
  branchName?: string;
  repo?: string;
  cd?: { present: boolean; services?: Set<string>; envs?: Set<string> };
  ci?: { present: boolean; branch?: string; repos?: Set<string> };
}

/** ExecutionStatus.getExecutionStatus: case-insensitive, otherwise Jackson's "Invalid value" error. */
export function parseStatus(raw: unknown): string {
  const match = EXECUTION_STATUSES.find((s) => typeof raw === 'string' && s.toLowerCase() === raw.toLowerCase());
  if (match) return match;
  const names = EXECUTION_STATUSES.map((s) => s.toUpperCase()).join(', ');
  throw unreadableBody(`Invalid value:${String(raw)}, the expected values are: [${names}]`);
}

type Body = Record<string, unknown>;

function strings(body: Body, name: string): Set<string> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw unreadableBody(`Cannot deserialize field "${name}": expected an array of strings`);
  }
  return new Set(value);
}

function text(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw unreadableBody(`Cannot deserialize field "${name}": expected a string`);
  return value;
}

function timeRange(body: Body): Pick<ExecutionFilter, 'startTime' | 'endTime'> {
  const range = body.timeRange;
  if (range === undefined || range === null) return {};
  if (typeof range !== 'object') throw unreadableBody('Cannot deserialize field "timeRange": expected an object');
  const { startTime, endTime } = range as Body;
  for (const [name, v] of [
    ['startTime', startTime],
    ['endTime', endTime],
  ] as const) {
    if (v !== undefined && v !== null && typeof v !== 'number') {
      throw unreadableBody(`Cannot deserialize field "timeRange.${name}": expected epoch milliseconds`);
    }
  }
  return {
    ...(typeof startTime === 'number' ? { startTime } : {}),
    ...(typeof endTime === 'number' ? { endTime } : {}),
  };
}

function moduleProperties(body: Body): Pick<ExecutionFilter, 'cd' | 'ci'> {
  const props = body.moduleProperties;
  if (props === undefined || props === null || typeof props !== 'object') return {};
  const { cd, ci } = props as Body;
  const out: Pick<ExecutionFilter, 'cd' | 'ci'> = {};
  if (cd && typeof cd === 'object') {
    const services = strings(cd as Body, 'serviceIdentifiers');
    const envs = strings(cd as Body, 'envIdentifiers');
    out.cd = { present: true, ...(services ? { services } : {}), ...(envs ? { envs } : {}) };
  }
  if (ci && typeof ci === 'object') {
    const branch = text(ci as Body, 'branch');
    const repos = strings(ci as Body, 'repoNames');
    out.ci = { present: true, ...(branch ? { branch } : {}), ...(repos ? { repos } : {}) };
  }
  return out;
}

/** Parses the JSON body; `filterType` must be "PipelineExecution" (Jackson's subtype id). */
export function parseFilterBody(raw: string, contentType: string | undefined): ExecutionFilter {
  if (raw.trim() !== '' && contentType !== undefined && !/\bjson\b/i.test(contentType)) throw unsupportedMediaType();
  if (raw.trim() === '') throw unreadableBody('No content to map due to end-of-input');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw unreadableBody(`Unable to process JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw unreadableBody('Unable to process JSON: expected an object');
  const b = body as Body;
  if (b.filterType === undefined || b.filterType === null) {
    throw unreadableBody(
      "Missing type id when trying to resolve subtype of [simple type, class io.harness.filter.dto.FilterPropertiesDTO]: missing type id property 'filterType'",
    );
  }
  if (b.filterType !== 'PipelineExecution') {
    throw unreadableBody(
      `Could not resolve type id '${String(b.filterType)}' as a subtype of FilterPropertiesDTO for pipeline executions`,
    );
  }
  const status = b.status;
  if (status !== undefined && status !== null && !Array.isArray(status))
    throw unreadableBody('Cannot deserialize field "status"');
  const pipelineName = text(b, 'pipelineName');
  const branchName = text(b, 'branchName');
  const repo = text(b, 'repo');
  const optional = <K extends keyof ExecutionFilter>(k: K, v: ExecutionFilter[K] | undefined) =>
    v === undefined ? {} : { [k]: v };
  return {
    ...optional('statuses', Array.isArray(status) ? new Set(status.map(parseStatus)) : undefined),
    ...optional('pipelineIdentifiers', strings(b, 'pipelineIdentifiers')),
    ...optional('planExecutionIds', strings(b, 'planExecutionIds')),
    ...optional('triggerTypes', strings(b, 'triggerTypes')),
    ...optional('pipelineName', pipelineName),
    ...optional('branchName', branchName),
    ...optional('repo', repo),
    ...timeRange(b),
    ...moduleProperties(b),
  };
}

function reachedEnvs(plan: ExecutionPlan): string[] {
  return plan.groups.flatMap((g) =>
    g.stages.filter((s) => s.outcome !== 'NotStarted' && s.spec.env).map((s) => s.spec.env?.identifier ?? ''),
  );
}

function matchesModules(plan: ExecutionPlan, f: ExecutionFilter): boolean {
  if (f.module && plan.pipeline.module !== f.module.toLowerCase()) return false;
  if (f.cd) {
    if (!plan.cd) return false;
    if (f.cd.services && !f.cd.services.has(plan.cd.service.identifier)) return false;
    if (f.cd.envs && !reachedEnvs(plan).some((e) => f.cd?.envs?.has(e))) return false;
  }
  if (f.ci) {
    if (!plan.ci) return false;
    if (f.ci.branch && plan.ci.branch !== f.ci.branch) return false;
    if (f.ci.repos && !f.ci.repos.has(plan.ci.repoName)) return false;
  }
  if (f.branchName && plan.ci?.branch !== f.branchName) return false;
  if (f.repo && plan.ci?.repoName !== f.repo) return false;
  return true;
}

/** Whether a plan passes the filter at time `now` (status is the one shown at that time). */
export function matchesFilter(plan: ExecutionPlan, f: ExecutionFilter, now: number): boolean {
  const p = plan.pipeline;
  if (f.pipelineIdentifier && p.identifier !== f.pipelineIdentifier) return false;
  if (f.pipelineIdentifiers && !f.pipelineIdentifiers.has(p.identifier)) return false;
  if (f.planExecutionIds && !f.planExecutionIds.has(plan.planExecutionId)) return false;
  if (f.startTime !== undefined && plan.startTs < f.startTime) return false;
  if (f.endTime !== undefined && plan.startTs > f.endTime) return false;
  if (f.triggerTypes && !f.triggerTypes.has(plan.trigger.type)) return false;
  if (f.pipelineName && !p.name.toLowerCase().includes(f.pipelineName.toLowerCase())) return false;
  if (f.searchTerm) {
    const term = f.searchTerm.toLowerCase();
    if (![p.name, p.identifier, plan.planExecutionId].some((v) => v.toLowerCase().includes(term))) return false;
  }
  if (!matchesModules(plan, f)) return false;
  if (f.statuses || f.queryStatuses) {
    const status = statusAt(plan, now);
    if (f.statuses && !f.statuses.has(status)) return false;
    if (f.queryStatuses && !f.queryStatuses.has(status)) return false;
  }
  return true;
}
