// Lead time for changes: per change (a commit), from its time to the finish of the first successful
// production deployment that shipped it. A deployment ships the commits listed on it (webhook
// scm_commit_ids, the sha a GitLab deployment deployed; for a Harness CD execution, which lists none, the
// commits of the successful CI run that built the commit its artifact is tagged with) and, where the
// repository is connected, their ancestors back to what an earlier deployment of the same service and
// environment shipped. The first
// known deployment of a service and environment is blamed only for the commits listed on it, not for
// the history before it. A commit shipped again later counts once, at its first deployment.
import type { Queryable } from '../store/db.js';
import { BUCKETS_AND_TOTAL, bucketsSql, splitTotal, TOTAL_COLUMN } from './buckets.js';
import { deploymentsSql, Params } from './deployments.js';
import { type Band, BANDS_SOURCE, base, type MetricAnswer, type MetricQuery } from './dora.js';

const DAY_MS = 86_400_000;
// Deployments this far before the window tell which commits had shipped already.
const LOOKBACK_MS = 90 * DAY_MS;
// How many commits one deployment's walk may take in (a runaway history is cut, not followed for ever).
const MAX_DEPTH = 2000;

export function leadTimeBand(ms: number): Band {
  if (ms < DAY_MS) return 'elite';
  if (ms < 7 * DAY_MS) return 'high';
  if (ms < 30 * DAY_MS) return 'medium';
  return 'low';
}

/**
 * One row per change first shipped in the window: `run_id, source, service, environment, sha,
 * deployed_at, committed_at` (null when the commit's time is unknown: its repository is not connected).
 */
export function changesSql(p: Params, q: MetricQuery): string {
  const d = deploymentsSql(p, q.tenantId, q.profile, new Date(q.from.getTime() - LOOKBACK_MS), q.to, q.filters);
  const t = p.add(q.tenantId);
  return `WITH RECURSIVE
      dd AS (
        SELECT id, source, at, service, environment,
          row_number() OVER (PARTITION BY service, environment ORDER BY at, id) AS n
        FROM (${d}) d WHERE result = 'success'
      ),
      tagged AS (
        -- A deployment that lists no commits but deploys an artifact tagged with a commit SHA (Harness CD:
        -- image:1a2b3c4) ships what the CI run that built that commit lists.
        SELECT dd.id AS dep, lower(substring(a.name from ':([0-9a-fA-F]{7,40})$')) AS prefix
        FROM dd JOIN cicd_run_artifacts a ON a.tenant_id = ${t} AND a.run_id = dd.id
        WHERE NOT EXISTS (SELECT 1 FROM cicd_run_commits x WHERE x.tenant_id = ${t} AND x.run_id = dd.id)
          AND a.name ~ ':[0-9a-fA-F]{7,40}$'
      ),
      built AS (
        SELECT DISTINCT tg.dep, bc.commit_sha AS sha
        FROM tagged tg
        CROSS JOIN LATERAL (
          SELECT m.run_id FROM cicd_run_commits m
          JOIN cicd_runs cr ON cr.tenant_id = m.tenant_id AND cr.id = m.run_id AND cr.ci AND cr.result = 'success'
          WHERE m.tenant_id = ${t} AND m.commit_sha >= tg.prefix AND m.commit_sha < tg.prefix || 'g'
          ORDER BY cr.start_time DESC LIMIT 1
        ) ci
        JOIN cicd_run_commits bc ON bc.tenant_id = ${t} AND bc.run_id = ci.run_id
      ),
      heads AS (
        SELECT dd.id AS dep, dd.source, dd.at, dd.service, dd.environment, dd.n, c.commit_sha AS sha
        FROM dd JOIN cicd_run_commits c ON c.tenant_id = ${t} AND c.run_id = dd.id
        UNION
        SELECT dd.id, dd.source, dd.at, dd.service, dd.environment, dd.n, b.sha
        FROM dd JOIN built b ON b.dep = dd.id
      ),
      walk (dep, source, at, service, environment, n, sha, depth) AS (
        SELECT dep, source, at, service, environment, n, sha, 0 FROM heads
        UNION
        SELECT w.dep, w.source, w.at, w.service, w.environment, w.n, par.sha, w.depth + 1
        FROM walk w
        -- One index lookup per commit of the frontier (a hash of every commit at each step costs far more).
        CROSS JOIN LATERAL (
          SELECT c.parent_shas FROM scm_commits c WHERE c.tenant_id = ${t} AND c.sha = w.sha LIMIT 1
        ) sc
        CROSS JOIN LATERAL unnest(sc.parent_shas) AS par(sha)
        -- Stop at what an earlier deployment of the same service and environment shipped (an anti-join,
        -- so the planner can hash it rather than look it up row by row).
        LEFT JOIN heads e ON e.sha = par.sha AND e.service = w.service AND e.environment = w.environment
          AND e.at < w.at
        WHERE w.n > 1 AND w.depth < ${MAX_DEPTH} AND e.dep IS NULL
      ),
      firsts AS (
        SELECT DISTINCT ON (sha) sha, dep, source, at, service, environment FROM walk ORDER BY sha, at, dep
      )
    SELECT f.dep AS run_id, f.source, f.service, f.environment, f.sha, f.at AS deployed_at,
      COALESCE(
        sc.time,
        -- Only for commits no connected repository knows: what the run that listed it said (Harness CI).
        (SELECT min(rc.committed_at) FROM cicd_run_commits rc WHERE rc.tenant_id = ${t} AND rc.commit_sha = f.sha)
      ) AS committed_at
    FROM firsts f
    LEFT JOIN LATERAL (
      SELECT min(COALESCE(c.authored_at, c.committed_at)) AS time FROM scm_commits c
      WHERE c.tenant_id = ${t} AND c.sha = f.sha
    ) sc ON true
    WHERE f.at >= ${p.add(q.from)} AND f.at < ${p.add(q.to)}`;
}

/** Lead time for changes: median and p90 over the changes first shipped in the window. */
export async function leadTime(db: Queryable, q: MetricQuery): Promise<MetricAnswer> {
  const p = new Params();
  const changes = changesSql(p, q);
  const b = bucketsSql(p, q);
  const lead = 'greatest(extract(epoch FROM c.deployed_at - c.committed_at) * 1000, 0)';
  const known = 'c.committed_at IS NOT NULL';
  const rows = await db.query<{
    is_total: boolean;
    bucket: string;
    start: Date;
    median_ms: number | null;
    p90_ms: number | null;
    n: number;
    unknown: number;
    deployments: number;
  }>(
    `WITH c AS (${changes}), ${b.cte}
     SELECT ${TOTAL_COLUMN}, ${b.label},
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY ${lead}) FILTER (WHERE ${known}))::float8 AS median_ms,
       (percentile_cont(0.9) WITHIN GROUP (ORDER BY ${lead}) FILTER (WHERE ${known}))::float8 AS p90_ms,
       count(c.sha) FILTER (WHERE ${known})::int AS n,
       count(c.sha) FILTER (WHERE c.committed_at IS NULL)::int AS unknown,
       count(DISTINCT c.run_id)::int AS deployments
     FROM buckets b LEFT JOIN c ON ${b.of('c.deployed_at')} = b.bucket
     ${BUCKETS_AND_TOTAL}`,
    p.values,
  );
  const { series, total } = splitTotal(rows);
  const median = total?.median_ms ?? null;
  const unknown = total?.unknown ?? 0;
  return {
    ...base(q, 'lead_time_for_changes', 'milliseconds (median)'),
    value: median,
    count: total?.n ?? 0,
    band: median === null ? null : { name: leadTimeBand(median), source: BANDS_SOURCE },
    series: series.map((x) => ({ bucket: x.bucket, start: x.start, value: x.median_ms, count: x.n })),
    details: {
      median_ms: median,
      p90_ms: total?.p90_ms ?? null,
      deployments: total?.deployments ?? 0,
      left_out: {
        changes: unknown,
        reason:
          unknown === 0
            ? null
            : 'The commit time is unknown: these commits came with a deployment (for example a webhook ' +
              'scm_commit_ids SHA) from a repository that is not connected.',
      },
    },
  };
}
