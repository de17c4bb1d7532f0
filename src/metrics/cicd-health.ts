// CI/CD health over the runs of every source: how many, how often they pass, how long they take, by
// pipeline or branch, the slowest stages, and flaky runs (failed, then passed on the same commit).
import type { Queryable } from '../store/db.js';
import { bucketsSql } from './buckets.js';
import { Params, type TeamScope } from './deployments.js';

/** Results that say how a run went; canceled, skipped and unfinished runs are left out. */
const COUNTED = ['success', 'failure', 'unstable', 'aborted'];
const TOP = 50;

export interface HealthQuery {
  tenantId: string;
  from: Date;
  to: Date;
  timeZone: string;
  interval: 'day' | 'week' | 'month';
  groupBy: 'pipeline' | 'branch';
  filters: { source?: string; pipeline?: string; branch?: string; kind?: 'ci' | 'cd'; team?: string };
  /** Set when `filters.team` names a team: runs of its services (pipelines) or repositories count. */
  team?: TeamScope | undefined;
}

interface Stats {
  runs: number;
  success_rate: number | null;
  duration_p50_ms: number | null;
  duration_p90_ms: number | null;
  /** Over the runs whose source says how long they waited for a runner (GitLab); null when none does. */
  queue_p50_ms: number | null;
  queue_p90_ms: number | null;
  queue_known_runs: number;
}

const STATS = `count(r.id)::int AS runs,
  (count(r.id) FILTER (WHERE r.result = 'success'))::float8 / NULLIF(count(r.id), 0) AS success_rate,
  (percentile_cont(0.5) WITHIN GROUP (ORDER BY r.duration_ms))::float8 AS duration_p50_ms,
  (percentile_cont(0.9) WITHIN GROUP (ORDER BY r.duration_ms))::float8 AS duration_p90_ms,
  (percentile_cont(0.5) WITHIN GROUP (ORDER BY r.queued_ms))::float8 AS queue_p50_ms,
  (percentile_cont(0.9) WITHIN GROUP (ORDER BY r.queued_ms))::float8 AS queue_p90_ms,
  count(r.queued_ms)::int AS queue_known_runs`;

/** The finished runs of the window, filtered: a CTE body. */
function runsSql(p: Params, q: HealthQuery): string {
  const where = [
    `tenant_id = ${p.add(q.tenantId)}`,
    'end_time IS NOT NULL',
    `end_time >= ${p.add(q.from)}`,
    `end_time < ${p.add(q.to)}`,
    `result = ANY(${p.add(COUNTED)}::text[])`,
  ];
  const f = q.filters;
  if (f.source !== undefined) where.push(`source = ${p.add(f.source)}`);
  if (f.pipeline !== undefined) where.push(`pipeline = ${p.add(f.pipeline)}`);
  if (f.branch !== undefined) where.push(`branch_name = ${p.add(f.branch)}`);
  if (f.kind === 'ci') where.push('ci');
  if (f.kind === 'cd') where.push('cd');
  if (q.team !== undefined) {
    where.push(`(pipeline = ANY(${p.add(q.team.services)}::text[]) OR EXISTS (
      SELECT 1 FROM scm_repos sr WHERE sr.tenant_id = cicd_runs.tenant_id AND sr.integration_id = cicd_runs.integration_id
        AND sr.repo_key = cicd_runs.repo_key AND sr.full_path = ANY(${p.add(q.team.repositories)}::text[])))`);
  }
  return `SELECT tenant_id, id, pipeline, branch_name, result, duration_ms, queued_ms, end_time FROM cicd_runs WHERE ${where.join(' AND ')}`;
}

export interface HealthAnswer {
  metric: 'cicd_health';
  window: { from: Date; to: Date };
  time_zone: string;
  interval: HealthQuery['interval'];
  filters: HealthQuery['filters'];
  totals: Stats;
  series: (Stats & { bucket: string; start: Date })[];
  by: { group_by: HealthQuery['groupBy']; rows: (Stats & { key: string | null })[] };
  slowest_stages: { stage: string; runs: number; duration_p50_ms: number | null; duration_p90_ms: number | null }[];
  flaky: {
    commits: number;
    failed_runs: number;
    rows: { pipeline: string; sha: string; failures: number; successes: number }[];
  };
}

export async function cicdHealth(db: Queryable, q: HealthQuery): Promise<HealthAnswer> {
  const run = async <T>(build: (p: Params, r: string) => string): Promise<T[]> => {
    const p = new Params();
    const r = runsSql(p, q);
    return db.query<T>(build(p, r), p.values);
  };
  const [totals] = await run<Stats>((_p, r) => `WITH r AS (${r}) SELECT ${STATS} FROM r`);
  const series = await run<Stats & { bucket: string; start: Date }>((p, r) => {
    const b = bucketsSql(p, q);
    return `WITH r AS (${r}), ${b.cte}
      SELECT ${b.label}, ${STATS}
      FROM buckets b LEFT JOIN r ON ${b.of('r.end_time')} = b.bucket
      GROUP BY b.bucket ORDER BY b.bucket`;
  });
  const column = q.groupBy === 'branch' ? 'branch_name' : 'pipeline';
  const by = await run<Stats & { key: string | null }>(
    (_p, r) => `WITH r AS (${r}) SELECT r.${column} AS key, ${STATS} FROM r GROUP BY r.${column}
      ORDER BY runs DESC, key LIMIT ${TOP}`,
  );
  const stages = await run<HealthAnswer['slowest_stages'][number]>(
    (_p, r) => `WITH r AS (${r})
      SELECT s.name AS stage, count(*)::int AS runs,
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY s.duration_ms))::float8 AS duration_p50_ms,
        (percentile_cont(0.9) WITHIN GROUP (ORDER BY s.duration_ms))::float8 AS duration_p90_ms
      FROM r JOIN cicd_run_stages s ON s.tenant_id = r.tenant_id AND s.run_id = r.id
      WHERE s.duration_ms IS NOT NULL
      GROUP BY s.name ORDER BY duration_p90_ms DESC NULLS LAST, stage LIMIT 10`,
  );
  // Flaky: on one pipeline and one commit (the run's first), a failure and a later success.
  const flaky = await run<{ pipeline: string; sha: string; failures: number; successes: number }>(
    (_p, r) => `WITH r AS (${r}),
        c AS (
          SELECT r.pipeline, rc.commit_sha AS sha, r.result, r.end_time
          FROM r JOIN cicd_run_commits rc ON rc.tenant_id = r.tenant_id AND rc.run_id = r.id AND rc.ordinal = 0
        )
      SELECT pipeline, sha, count(*) FILTER (WHERE result = 'failure')::int AS failures,
        count(*) FILTER (WHERE result = 'success')::int AS successes
      FROM c GROUP BY pipeline, sha
      HAVING min(end_time) FILTER (WHERE result = 'failure') < max(end_time) FILTER (WHERE result = 'success')
      ORDER BY failures DESC, pipeline, sha`,
  );
  return {
    metric: 'cicd_health',
    window: { from: q.from, to: q.to },
    time_zone: q.timeZone,
    interval: q.interval,
    filters: q.filters,
    totals: totals ?? {
      runs: 0,
      success_rate: null,
      duration_p50_ms: null,
      duration_p90_ms: null,
      queue_p50_ms: null,
      queue_p90_ms: null,
      queue_known_runs: 0,
    },
    series,
    by: { group_by: q.groupBy, rows: by },
    slowest_stages: stages,
    flaky: {
      commits: flaky.length,
      failed_runs: flaky.reduce((n, f) => n + f.failures, 0),
      rows: flaky.slice(0, TOP),
    },
  };
}
