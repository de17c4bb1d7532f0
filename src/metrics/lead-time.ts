// Lead time for changes: per change (a commit), from its time to the finish of the first successful
// production deployment that shipped it. A deployment ships the commits listed on it (webhook
// scm_commit_ids, the sha a GitLab deployment deployed; for a Harness CD execution, which lists none, the
// commits of the successful CI run that built the commit its artifact is tagged with) and, where the
// repository is connected, their ancestors back to what an earlier deployment of the same service and
// environment listed. The first known deployment of a service and environment is blamed only for the
// commits listed on it, not for the history before it. A commit shipped again later counts once, at its
// first deployment. What each deployment shipped is worked out as data arrives (materialize.ts).
import type { Db } from '../store/db.js';
import { BUCKETS_AND_TOTAL, bucketsSql, splitTotal, TOTAL_COLUMN } from './buckets.js';
import { deploymentConditions, Params } from './deployments.js';
import { type Band, BANDS_SOURCE, base, type MetricAnswer, type MetricQuery } from './dora.js';
import { type LeadRow, leadTimeFromHours } from './lead-hours.js';
import { prepareDora } from './materialize.js';
import { mergedSql } from './merge-requests.js';

const DAY_MS = 86_400_000;
// Merge requests merged this long before the window can be first deployed in it.
const STAGE_LOOKBACK_MS = 90 * DAY_MS;
const STAGES = ['coding', 'pickup', 'review', 'merge_to_deploy'] as const;

export function leadTimeBand(ms: number): Band {
  if (ms < DAY_MS) return 'elite';
  if (ms < 7 * DAY_MS) return 'high';
  if (ms < 30 * DAY_MS) return 'medium';
  return 'low';
}

/**
 * One row per change first shipped in the window, from `dora_changes` (call `prepareDora` with `changes`
 * first): `run_id, source, pipeline, service, environment, sha, deployed_at, committed_at, lead_ms`
 * (committed_at and lead_ms null when the commit's time is unknown: its repository is not connected). The
 * filters narrow the deployment that shipped the change first.
 */
export function changesSql(p: Params, q: Pick<MetricQuery, 'tenantId' | 'from' | 'to' | 'filters' | 'team'>): string {
  // dora_changes carries its deployment's source, pipeline, service and environment: the same conditions.
  const where = [
    ...deploymentConditions(p, 'c', q.tenantId, q.filters, q.team),
    'c.first',
    `c.deployed_at >= ${p.add(q.from)}`,
    `c.deployed_at < ${p.add(q.to)}`,
  ];
  return `SELECT run_id, source, pipeline, service, environment, sha, deployed_at, committed_at, lead_ms
    FROM dora_changes c WHERE ${where.join(' AND ')}`;
}

/** Lead time's series and totals by SQL over the window's changes: what `leadTimeFromHours` answers faster. */
export async function leadTimeSql(
  db: Db,
  q: Pick<MetricQuery, 'tenantId' | 'from' | 'to' | 'timeZone' | 'interval' | 'filters' | 'team'>,
): Promise<{ series: LeadRow[]; total: LeadRow | undefined }> {
  const p = new Params();
  const changes = changesSql(p, q);
  const b = bucketsSql(p, q);
  const lead = 'c.lead_ms';
  const known = 'c.lead_ms IS NOT NULL';
  const rows = await db.query<LeadRow & { is_total: boolean }>(
    `WITH c AS (${changes}), ${b.cte}
     SELECT ${TOTAL_COLUMN}, ${b.label},
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY ${lead}) FILTER (WHERE ${known}))::float8 AS median_ms,
       (percentile_cont(0.9) WITHIN GROUP (ORDER BY ${lead}) FILTER (WHERE ${known}))::float8 AS p90_ms,
       count(c.sha) FILTER (WHERE ${known})::int AS n,
       count(c.sha) FILTER (WHERE c.lead_ms IS NULL)::int AS unknown,
       count(DISTINCT c.run_id)::int AS deployments
     FROM buckets b LEFT JOIN c ON ${b.of('c.deployed_at')} = b.bucket
     ${BUCKETS_AND_TOTAL}`,
    p.values,
  );
  return splitTotal(rows);
}

/** Lead time for changes: median and p90 over the changes first shipped in the window. */
export async function leadTime(db: Db, q: MetricQuery): Promise<MetricAnswer> {
  await prepareDora(db, q.tenantId, { changes: true });
  // From the packed hours where the series' buckets start on whole hours (every whole-hour time zone).
  const { series, total } = (await leadTimeFromHours(db, q)) ?? (await leadTimeSql(db, q));
  const median = total?.median_ms ?? null;
  const unknown = total?.unknown ?? 0;
  // By stage, where merge requests tell them: over the merge requests first deployed in the window.
  const ps = new Params();
  const merged = mergedSql(
    ps,
    { tenantId: q.tenantId, from: new Date(q.from.getTime() - STAGE_LOOKBACK_MS), to: q.to },
    {},
    q.filters,
    q.team,
  );
  const [st] = await db.query<Record<string, number | null>>(
    `SELECT count(*)::int AS merge_requests,
       ${STAGES.map((x) => `(percentile_cont(0.5) WITHIN GROUP (ORDER BY m.${x}_ms))::float8 AS ${x}_ms`).join(', ')}
     FROM (${merged}) m WHERE m.deployed_at >= ${ps.add(q.from)} AND m.deployed_at < ${ps.add(q.to)}`,
    ps.values,
  );
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
      stages: {
        basis: 'merge requests first deployed in the window (medians)',
        merge_requests: st?.['merge_requests'] ?? 0,
        ...Object.fromEntries(STAGES.map((x) => [`${x}_ms`, st?.[`${x}_ms`] ?? null])),
      },
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
