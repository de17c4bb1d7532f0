import type { CommitRow, DomainRun, StageRow, StepRow } from '../../domain/cicd-run.js';
import type { DomainCommit, DomainMergeRequest, MergeRequestEvent } from '../../domain/scm.js';
import type { NormalizeMeta, Normalized, RawRecord } from '../connector.js';
import { incidentOf } from './normalize-incident.js';
import { GITLAB_CLOUD_URL } from './spec.js';
import { isFinalDeployment, isFinalPipeline, resultOf } from './status.js';

// Records are GitLab's JSON as received; read them defensively (self-managed versions differ).
type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
const username = (v: unknown): string | null => str(obj(v)['username']);

/**
 * The tier GitLab gives an environment without one, from its name (GitLab's `Environment#guess_tier`,
 * checked in this order).
 */
export function guessTier(name: string): string {
  if (/(dev|review|trunk)/i.test(name)) return 'development';
  if (/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/i.test(name)) return 'testing';
  if (/(st(a|)g|mod(e|)l|pre|demo|non)/i.test(name)) return 'staging';
  if (/(pr(o|)d|live)/i.test(name)) return 'production';
  return 'other';
}

function instance(meta: NormalizeMeta): { name: string; url: string } {
  const url = (str(meta.integration.settings['url']) ?? GITLAB_CLOUD_URL).replace(/\/+$/, '');
  try {
    return { name: new URL(url).host, url };
  } catch {
    return { name: url, url };
  }
}

function commitOf(repoKey: string, c: Json, onDefaultBranch: boolean): DomainCommit | null {
  const sha = str(c['id']);
  if (sha === null) return null;
  const stats = obj(c['stats']);
  return {
    repoKey,
    sha,
    title: str(c['title']),
    message: str(c['message']),
    authorName: str(c['author_name']),
    authorEmail: str(c['author_email']),
    authoredAt: date(c['authored_date']),
    committerName: str(c['committer_name']),
    committerEmail: str(c['committer_email']),
    committedAt: date(c['committed_date']),
    parentShas: arr(c['parent_ids']).filter((p): p is string => typeof p === 'string'),
    additions: num(stats['additions']),
    deletions: num(stats['deletions']),
    webUrl: str(c['web_url']),
    onDefaultBranch,
  };
}

function eventOf(note: Json): MergeRequestEvent | null {
  const id = str(note['id']);
  const at = date(note['created_at']);
  if (id === null || at === null) return null;
  const body = str(note['body']);
  const system = note['system'] === true;
  const kind = !system
    ? 'comment'
    : body !== null && /^approved this merge request/i.test(body)
      ? 'approval'
      : body !== null && /^unapproved this merge request/i.test(body)
        ? 'unapproval'
        : 'system';
  return { eventKey: id, kind, actor: username(note['author']), createdAt: at, body };
}

function mergeRequestOf(repoKey: string, data: Json): DomainMergeRequest | null {
  const mr = obj(data['merge_request']);
  const iid = str(mr['iid']);
  const createdAt = date(mr['created_at']);
  if (iid === null || createdAt === null) return null;
  // GitLab lists a merge request's commits newest first.
  const commits = arr(data['commits'])
    .map((c) => commitOf(repoKey, obj(c), false))
    .filter((c): c is DomainCommit => c !== null)
    .reverse();
  return {
    repoKey,
    mrKey: iid,
    upstreamId: str(mr['id']),
    title: str(mr['title']) ?? '',
    state: str(mr['state']) ?? 'opened',
    draft: mr['draft'] === true || mr['work_in_progress'] === true,
    author: username(mr['author']),
    sourceBranch: str(mr['source_branch']),
    targetBranch: str(mr['target_branch']),
    headSha: str(mr['sha']),
    mergeCommitSha: str(mr['merge_commit_sha']),
    squashCommitSha: str(mr['squash_commit_sha']),
    createdAt,
    updatedAt: date(mr['updated_at']) ?? createdAt,
    mergedAt: date(mr['merged_at']),
    closedAt: date(mr['closed_at']),
    mergedBy: username(mr['merge_user']) ?? username(mr['merged_by']),
    labels: arr(mr['labels']).filter((l): l is string => typeof l === 'string'),
    webUrl: str(mr['web_url']),
    commits,
    events: arr(data['notes'])
      .map((n) => eventOf(obj(n)))
      .filter((e): e is MergeRequestEvent => e !== null),
  };
}

/** The result of a stage from its jobs' latest attempts; failures allowed to fail do not fail it. */
function stageResult(latest: Json[]): string {
  const results: string[] = latest
    .filter((j) => !(j['status'] === 'failed' && j['allow_failure'] === true))
    .map((j) => (j['status'] === 'manual' ? 'skipped' : resultOf(str(j['status']) ?? '')));
  const has = (r: string): boolean => results.includes(r);
  if (has('failure')) return 'failure';
  if (has('running') || has('queued')) return 'running';
  if (has('canceled')) return 'canceled';
  if (results.length > 0 && results.every((r) => r === 'skipped')) return 'skipped';
  return 'success';
}

const seconds = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n * 1000);
};

function stagesOf(jobs: Json[]): StageRow[] {
  const sorted = [...jobs].sort((a, b) => (num(a['id']) ?? 0) - (num(b['id']) ?? 0));
  const order: string[] = [];
  const byStage = new Map<string, Json[]>();
  for (const j of sorted) {
    const stage = str(j['stage']) ?? 'default';
    if (!byStage.has(stage)) order.push(stage);
    byStage.set(stage, [...(byStage.get(stage) ?? []), j]);
  }
  return order.map((name) => {
    const all = byStage.get(name)!;
    // GitLab's job JSON does not say which attempt was retried: with include_retried the earlier attempts
    // come as jobs of the same name with lower ids; the highest id is the one that counts.
    const newest = new Map<string, number>();
    for (const j of all)
      newest.set(str(j['name']) ?? '', Math.max(newest.get(str(j['name']) ?? '') ?? -1, num(j['id']) ?? 0));
    const isRetried = (j: Json): boolean =>
      j['retried'] === true || (num(j['id']) ?? 0) < newest.get(str(j['name']) ?? '')!;
    const latest = all.filter((j) => !isRetried(j));
    const steps: StepRow[] = all.map((j) => ({
      name: str(j['name']) ?? '',
      description: isRetried(j) ? 'retried' : j['allow_failure'] === true ? 'allowed to fail' : null,
      result: resultOf(str(j['status']) ?? ''),
      state: str(j['status']),
      durationMs: seconds(j['duration']),
    }));
    const starts = latest.map((j) => date(j['started_at'])).filter((d): d is Date => d !== null);
    const ends = latest.map((j) => date(j['finished_at'])).filter((d): d is Date => d !== null);
    const startTime = starts.length === 0 ? null : new Date(Math.min(...starts.map(Number)));
    const endTime = ends.length === 0 ? null : new Date(Math.max(...ends.map(Number)));
    return {
      name,
      description: null,
      result: stageResult(latest),
      state: null,
      durationMs: startTime !== null && endTime !== null ? endTime.getTime() - startTime.getTime() : null,
      steps,
      identifier: name,
      stageType: null,
      startTime,
      endTime,
    };
  });
}

/** The commit a pipeline built or a deployment shipped, with what its job knows of it. */
function shipped(sha: string | null, commit: Json): CommitRow[] {
  if (sha === null) return [];
  return [
    {
      sha,
      message: str(commit['title']),
      author: str(commit['author_name']),
      authorEmail: str(commit['author_email']),
      committedAt: date(commit['committed_date']),
    },
  ];
}

/** What every run from a GitLab project shares. */
function common(meta: NormalizeMeta, path: string, repoKey: string) {
  const { name, url } = instance(meta);
  return {
    instanceGuid: null,
    instanceName: name,
    instanceUrl: url,
    projectName: path,
    moduleName: null,
    cfrStatus: null,
    themes: [],
    triggerChain: [],
    artifacts: [],
    params: [],
    repoKey,
  };
}

const repoUrlOf = (webUrl: string | null): string | null => (webUrl === null ? null : webUrl.split('/-/')[0]!);

function pipelineRun(repoKey: string, path: string, data: Json, meta: NormalizeMeta): DomainRun | null {
  const p = obj(data['pipeline']);
  const id = str(p['id']);
  const created = date(p['created_at']);
  if (id === null || created === null) return null;
  const status = str(p['status']) ?? 'running';
  const final = isFinalPipeline(status);
  const jobs = arr(data['jobs']).map(obj);
  const start = date(p['started_at']) ?? created;
  const end = final ? (date(p['finished_at']) ?? date(p['updated_at'])) : null;
  const commit = obj(jobs.find((j) => Object.keys(obj(j['commit'])).length > 0)?.['commit']);
  const sha = str(p['sha']);
  const name = str(p['name']);
  const webUrl = str(p['web_url']);
  return {
    ...common(meta, path, repoKey),
    runKey: `pipeline:${id}`,
    executionId: id,
    pipeline: name === null ? path : `${path}: ${name}`,
    jobFullName: path,
    qualifiedName: path,
    userId: username(p['user']),
    repoUrl: repoUrlOf(webUrl),
    buildNumber: str(p['iid']),
    branchName: str(p['ref']),
    result: resultOf(status),
    resultRaw: status,
    startTime: start,
    endTime: end,
    durationMs: final ? (seconds(p['duration']) ?? (end === null ? null : end.getTime() - start.getTime())) : null,
    queuedMs: seconds(p['queued_duration']),
    ci: true,
    cd: false,
    webUrl,
    triggerType: str(p['source']),
    stages: stagesOf(jobs),
    commits: shipped(sha, commit),
  };
}

function deploymentRun(repoKey: string, path: string, d: Json, meta: NormalizeMeta): DomainRun | null {
  const id = str(d['id']);
  const created = date(d['created_at']);
  if (id === null || created === null) return null;
  const status = str(d['status']) ?? 'running';
  const final = isFinalDeployment(status);
  const env = obj(d['environment']);
  const envName = str(env['name']);
  const job = obj(d['deployable']);
  const commit = obj(job['commit']);
  const start = date(job['started_at']) ?? created;
  const end = final ? (date(job['finished_at']) ?? date(d['updated_at'])) : null;
  const sha = str(d['sha']);
  const webUrl = str(job['web_url']);
  return {
    ...common(meta, path, repoKey),
    runKey: `deployment:${id}`,
    executionId: id,
    pipeline: `${path} → ${envName ?? 'unknown environment'}`,
    jobFullName: str(job['name']) === null ? path : `${path}/${str(job['name'])}`,
    qualifiedName: path,
    userId: username(d['user']),
    repoUrl: repoUrlOf(webUrl),
    buildNumber: str(d['iid']),
    branchName: str(d['ref']),
    result: resultOf(status),
    resultRaw: status,
    startTime: start,
    endTime: end,
    durationMs: final ? (seconds(job['duration']) ?? (end === null ? null : end.getTime() - start.getTime())) : null,
    ci: false,
    cd: true,
    webUrl,
    triggerType: null,
    stages: [],
    commits: shipped(sha, commit),
    deployTargets: [
      {
        service: path,
        environment: envName,
        environmentType: str(env['tier']) ?? (envName === null ? null : guessTier(envName)),
        infrastructure: null,
      },
    ],
  };
}

/** Pure: GitLab records as domain rows (replay rebuilds with it). */
export function normalizeGitLab(stream: string, record: RawRecord, meta: NormalizeMeta): Normalized {
  const data = obj(record.data);
  if (stream === 'projects') {
    const repoKey = str(data['id']);
    if (repoKey === null) return {};
    if (data['gone'] === true) {
      const reason = data['status'] === 403 ? 'forbidden' : 'not_found';
      return { goneRepos: [{ repoKey, reason }] };
    }
    // Listed again after being gone: the listing itself brings it back.
    if (data['gone'] === false) return {};
    return {
      repos: [
        {
          repoKey,
          fullPath: str(data['path_with_namespace']) ?? repoKey,
          name: str(data['name']) ?? repoKey,
          defaultBranch: str(data['default_branch']),
          webUrl: str(data['web_url']),
          visibility: str(data['visibility']),
          archived: data['archived'] === true,
          createdAt: date(data['created_at']),
          lastActivityAt: date(data['last_activity_at']),
        },
      ],
    };
  }
  const repoKey = str(data['project_id']);
  if (repoKey === null) return {};
  const path = str(data['project_path']) ?? `project ${repoKey}`;
  switch (stream) {
    case 'commits': {
      const c = commitOf(repoKey, data, true);
      return c === null ? {} : { commits: [c] };
    }
    case 'merge_requests': {
      const mr = mergeRequestOf(repoKey, data);
      return mr === null ? {} : { mergeRequests: [mr] };
    }
    case 'pipelines': {
      const run = pipelineRun(repoKey, path, data, meta);
      return run === null ? {} : { runs: [run] };
    }
    case 'environments': {
      const envKey = str(data['id']);
      const name = str(data['name']);
      if (envKey === null || name === null) return {};
      return {
        environments: [
          {
            repoKey,
            envKey,
            name,
            tier: str(data['tier']) ?? guessTier(name),
            state: str(data['state']),
            externalUrl: str(data['external_url']),
            createdAt: date(data['created_at']),
            updatedAt: date(data['updated_at']),
          },
        ],
      };
    }
    case 'deployments': {
      const run = deploymentRun(repoKey, path, data, meta);
      return run === null ? {} : { runs: [run] };
    }
    case 'incidents': {
      const incident = incidentOf(repoKey, data);
      return incident === null ? {} : { incidents: [incident] };
    }
    default:
      return {};
  }
}
