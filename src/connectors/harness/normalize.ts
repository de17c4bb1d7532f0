import type { CommitRow, DeployTargetRow, DomainRun, StageRow } from '../../domain/cicd-run.js';
import type { NormalizeMeta, Normalized, RawRecord } from '../connector.js';
import type { ExecutionSummary } from './api.js';
import { harnessResult } from './status.js';
import { HARNESS_CLOUD_URL } from './spec.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const date = (v: unknown): Date | null => (num(v) === null ? null : new Date(num(v)!));

/** Stages in execution order: from the starting node along `nextIds`, parallel groups expanded. */
export function orderedStages(layout: Json, startingNodeId: string | null): Json[] {
  const seen = new Set<string>();
  const out: Json[] = [];
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = obj(layout[id]);
    const edges = obj(node['edgeLayoutList']);
    if (node['nodeType'] === 'parallel') for (const c of arr(edges['currentNodeChildren'])) visit(String(c));
    else if (Object.keys(node).length > 0) out.push(node);
    for (const n of arr(edges['nextIds'])) visit(String(n));
  };
  if (startingNodeId !== null) visit(startingNodeId);
  // Nodes not reached from the start (no starting node sent): by start time.
  const rest = Object.keys(layout)
    .filter((id) => !seen.has(id) && obj(layout[id])['nodeType'] !== 'parallel')
    .map((id) => obj(layout[id]))
    .sort((a, b) => (num(a['startTs']) ?? Infinity) - (num(b['startTs']) ?? Infinity));
  return [...out, ...rest];
}

function stageRow(node: Json): StageRow {
  const start = num(node['startTs']);
  const end = num(node['endTs']);
  return {
    name: str(node['name']) ?? str(node['nodeIdentifier']) ?? 'stage',
    description: str(obj(node['failureInfo'])['message']),
    result: str(node['status']),
    state: str(node['status']),
    durationMs: start !== null && end !== null ? end - start : null,
    steps: [],
    identifier: str(node['nodeIdentifier']),
    stageType: str(node['nodeType']),
    startTime: date(start),
    endTime: date(end),
  };
}

function commitsOf(ci: Json): CommitRow[] {
  const info = obj(ci['ciExecutionInfoDTO']);
  const all = [...arr(obj(info['branch'])['commits']), ...arr(obj(info['pullRequest'])['commits'])].map(obj);
  const out = new Map<string, CommitRow>();
  for (const c of all) {
    const sha = str(c['id']);
    if (sha === null || out.has(sha)) continue;
    out.set(sha, {
      sha,
      message: str(c['message']),
      author: str(c['ownerName']) ?? str(c['ownerId']),
      authorEmail: str(c['ownerEmail']),
      committedAt: date(c['timeStamp']),
    });
  }
  return [...out.values()];
}

/** Where each deployment stage went; else the pipeline-level lists of services and environments. */
function deployTargetsOf(stages: Json[], cd: Json): DeployTargetRow[] {
  const fromStages = stages
    .filter((s) => s['nodeType'] === 'Deployment')
    .map((s) => {
      const m = obj(obj(s['moduleInfo'])['cd']);
      const infra = obj(m['infraExecutionSummary']);
      return {
        service: str(obj(m['serviceInfo'])['identifier']),
        environment: str(infra['identifier']) ?? str(infra['name']),
        environmentType: str(infra['type']),
        infrastructure: str(infra['infrastructureIdentifier']) ?? str(infra['infrastructureName']),
      };
    })
    .filter((t) => t.environment !== null || t.service !== null);
  if (fromStages.length > 0) return fromStages;
  const envs = arr(cd['envIdentifiers']).map(str);
  const types = arr(cd['environmentTypes']).map(str);
  const services = arr(cd['serviceIdentifiers']).map(str);
  return envs.map((environment, i) => ({
    service: services[i] ?? (services.length === 1 ? services[0]! : null),
    environment,
    environmentType: types[i] ?? (types.length === 1 ? types[0]! : null),
    infrastructure: str(arr(cd['infrastructureIdentifiers'])[i]),
  }));
}

/** A Harness execution summary as a CI/CD run. Pure: replaying the record gives the same run. */
export function normalizeExecution(e: ExecutionSummary, meta: NormalizeMeta): DomainRun {
  const module = obj(e['moduleInfo']);
  const ci = obj(module['ci']);
  const cd = obj(module['cd']);
  const stages = orderedStages(obj(e['layoutNodeMap']), str(e['startingNodeId']));
  const trigger = obj(e['executionTriggerInfo']);
  const by = obj(trigger['triggeredBy']);
  const start = num(e.startTs) ?? 0;
  const end = num(e.endTs);
  const result = harnessResult(e.status);
  const settings = meta.integration.settings;
  const base = (str(settings['url']) ?? HARNESS_CLOUD_URL).replace(/\/+$/, '');
  const name = `${e.orgIdentifier}/${e.projectIdentifier}/${e.pipelineIdentifier}`;
  return {
    instanceGuid: null,
    runKey: e.planExecutionId,
    executionId: e.planExecutionId,
    pipeline: e.pipelineIdentifier,
    jobFullName: str(e.name) ?? name,
    qualifiedName: name,
    instanceName: meta.integration.name,
    instanceUrl: base,
    projectName: `${e.orgIdentifier}/${e.projectIdentifier}`,
    userId: str(obj(by['extraInfo'])['email']) ?? str(by['identifier']),
    repoUrl: str(ci['repoName']),
    buildNumber: num(e['runSequence']) === null ? null : String(e['runSequence']),
    branchName: str(ci['branch']) ?? str(obj(obj(ci['ciExecutionInfoDTO'])['branch'])['name']),
    moduleName:
      arr(e['modules'])
        .map(str)
        .filter((m) => m !== null)
        .join(',') || null,
    result,
    resultRaw: e.status,
    startTime: new Date(start),
    endTime: end === null || result === 'running' || result === 'queued' ? null : new Date(end),
    durationMs: end === null || result === 'running' || result === 'queued' ? null : end - start,
    ci: Object.keys(ci).length > 0,
    cd: Object.keys(cd).length > 0,
    cfrStatus: null,
    themes: [],
    webUrl:
      `${base}/ng/account/${encodeURIComponent(String(settings['account_id'] ?? ''))}/all/orgs/${e.orgIdentifier}` +
      `/projects/${e.projectIdentifier}/pipelines/${e.pipelineIdentifier}/executions/${e.planExecutionId}/pipeline`,
    triggerType: str(trigger['triggerType']),
    triggerChain:
      str(trigger['triggerType']) === null ? [] : [{ id: String(trigger['triggerType']), type: str(by['identifier']) }],
    stages: stages.map(stageRow),
    commits: commitsOf(ci),
    artifacts: arr(cd['artifactDisplayNames'])
      .map(str)
      .filter((a): a is string => a !== null)
      .map((name) => ({
        input: true,
        output: false,
        type: 'artifact',
        location: null,
        name,
        qualifier: null,
        hash: null,
        metadata: null,
      })),
    params: [],
    deployTargets: deployTargetsOf(stages, cd),
  };
}

/** Normalize for every Harness stream: only executions make domain rows for now. */
export function normalizeHarness(stream: string, record: RawRecord, meta: NormalizeMeta): Normalized {
  if (stream !== 'executions') return {};
  return { runs: [normalizeExecution(record.data as ExecutionSummary, meta)] };
}
