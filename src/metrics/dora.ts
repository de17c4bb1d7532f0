// DORA's deployment frequency, change failure rate and failed-deployment recovery time over the runs of
// every source, as the tenant's profile defines deployments. Each answer carries what it was computed
// over (window, time zone, filters, profile), its value, the count behind it, a series and a band.
import type { Db } from '../store/db.js';
import { BUCKETS_AND_TOTAL, bucketsSql, splitTotal, TOTAL_COLUMN } from './buckets.js';
import { deploymentConditions, deploymentsSql, type MetricFilters, Params, type TeamScope } from './deployments.js';
import { prepareDora } from './materialize.js';
import type { DoraProfile } from './profile.js';

export type Interval = 'day' | 'week' | 'month';
export type Band = 'elite' | 'high' | 'medium' | 'low';

export const BANDS_SOURCE =
  'DORA, Accelerate State of DevOps Report 2023 (performance clusters; low is everything below medium)';

export interface MetricQuery {
  tenantId: string;
  from: Date;
  to: Date;
  timeZone: string;
  interval: Interval;
  filters: MetricFilters;
  profile: DoraProfile;
  /** Set when `filters.team` names a team: what it covers. */
  team?: TeamScope | undefined;
}

export interface SeriesPoint {
  /** The bucket's first day in the time zone, YYYY-MM-DD. */
  bucket: string;
  start: Date;
  value: number | null;
  count: number;
}

export interface MetricAnswer {
  metric: string;
  window: { from: Date; to: Date };
  time_zone: string;
  interval: Interval;
  filters: MetricFilters;
  profile: DoraProfile;
  value: number | null;
  unit: string;
  count: number;
  band: { name: Band; source: string } | null;
  series: SeriesPoint[];
  details: Record<string, unknown>;
}

const DAY_MS = 86_400_000;

const days = (q: MetricQuery): number => (q.to.getTime() - q.from.getTime()) / DAY_MS;

/** Buckets of the window in its time zone, each with the deployments of the inner query `d`. */
function seriesSql(p: Params, q: MetricQuery, d: string, aggregates: string): string {
  const b = bucketsSql(p, q);
  return `WITH d AS (${d}), ${b.cte}
    SELECT ${b.label}, ${aggregates}
    FROM buckets b LEFT JOIN d ON ${b.of('d.at')} = b.bucket
    GROUP BY b.bucket ORDER BY b.bucket`;
}

export function base(
  q: MetricQuery,
  metric: string,
  unit: string,
): Omit<MetricAnswer, 'value' | 'count' | 'band' | 'series' | 'details'> {
  return {
    metric,
    window: { from: q.from, to: q.to },
    time_zone: q.timeZone,
    interval: q.interval,
    filters: q.filters,
    profile: q.profile,
    unit,
  };
}

/** Deployments per day at or above each band's floor (DORA 2023: on demand, daily-weekly, weekly-monthly). */
export function frequencyBand(perDay: number): Band {
  if (perDay >= 1) return 'elite';
  if (perDay >= 1 / 7) return 'high';
  if (perDay >= 1 / 30) return 'medium';
  return 'low';
}

export function failureRateBand(rate: number): Band {
  if (rate <= 0.05) return 'elite';
  if (rate <= 0.1) return 'high';
  if (rate <= 0.15) return 'medium';
  return 'low';
}

export function recoveryBand(ms: number): Band {
  if (ms < 3_600_000) return 'elite';
  if (ms < DAY_MS) return 'high';
  if (ms < 7 * DAY_MS) return 'medium';
  return 'low';
}

const perInterval: Record<Interval, number> = { day: 1, week: 7, month: 30.4375 };

/** Successful production deployments: per interval (and per day, week, month), deployment days per week. */
export async function deploymentFrequency(db: Db, q: MetricQuery): Promise<MetricAnswer> {
  await prepareDora(db, q.tenantId);
  const p = new Params();
  const d = deploymentsSql(p, q.tenantId, q.from, q.to, q.filters, q.team);
  const tz = p.add(q.timeZone);
  // One pass: buckets hold whole local days, so the deployment days of the window are the buckets' sum.
  const rows = await db.query<{ bucket: string; start: Date; n: number; days: number }>(
    seriesSql(
      p,
      q,
      d,
      `count(d.id) FILTER (WHERE d.result = 'success')::int AS n,
       count(DISTINCT (d.at AT TIME ZONE ${tz})::date) FILTER (WHERE d.result = 'success')::int AS days`,
    ),
    p.values,
  );
  const n = rows.reduce((sum, r) => sum + r.n, 0);
  const deploymentDays = rows.reduce((sum, r) => sum + r.days, 0);
  const perDay = n / days(q);
  return {
    ...base(q, 'deployment_frequency', `deployments per ${q.interval}`),
    value: perDay * perInterval[q.interval],
    count: n,
    band: { name: frequencyBand(perDay), source: BANDS_SOURCE },
    series: rows.map((r) => ({ bucket: r.bucket, start: r.start, value: r.n, count: r.n })),
    details: {
      per_day: perDay,
      per_week: perDay * 7,
      per_month: perDay * perInterval.month,
      deployment_days: deploymentDays,
      deployment_days_per_week: (deploymentDays / days(q)) * 7,
    },
  };
}

/**
 * A CTE body: the window's production deployments with `failed` also true when an incident is linked to
 * the deployment, and `incident` (the first linked incident's key). An incident opened within the
 * profile's `incident_window_hours` after a deployment finished is linked to the latest production
 * deployment before it of a service it names (GitLab: its `service::<name>` labels; without any, the
 * project it was raised in), so one incident fails at most one deployment.
 */
export function failuresSql(p: Params, q: MetricQuery): string {
  const d = deploymentsSql(p, q.tenantId, q.from, q.to, q.filters, q.team);
  const hours = q.profile.incident_window_hours;
  if (hours <= 0) return `SELECT d.*, NULL::text AS incident FROM (${d}) d`;
  const t = p.add(q.tenantId);
  const window = `(${p.add(hours)}::int * interval '1 hour')`;
  return `WITH links AS (
      SELECT ld.run_id, min(i.incident_key) AS incident
      FROM incidents i
      LEFT JOIN scm_repos r ON r.tenant_id = i.tenant_id AND r.integration_id = i.integration_id
        AND r.repo_key = i.repo_key
      CROSS JOIN LATERAL (
        SELECT x.run_id FROM dora_deployments x
        WHERE x.tenant_id = i.tenant_id AND x.at <= i.opened_at AND x.at > i.opened_at - ${window}
          AND x.service = ANY(CASE WHEN cardinality(i.services) > 0 THEN i.services ELSE ARRAY[r.full_path] END)
        ORDER BY x.at DESC, x.run_id DESC LIMIT 1
      ) ld
      WHERE i.tenant_id = ${t} AND i.opened_at >= ${p.add(q.from)} AND i.opened_at < ${p.add(q.to)}::timestamptz + ${window}
      GROUP BY ld.run_id
    )
    SELECT d.id, d.source, d.pipeline, d.service, d.environment, d.result, d.at, d.start_time,
      d.failed OR l.run_id IS NOT NULL AS failed, l.incident
    FROM (${d}) d LEFT JOIN links l ON l.run_id = d.id`;
}

/**
 * Failed production deployments (failed result, cfr_status, or linked to an incident) over all of them;
 * deployments are counted, never incidents.
 */
export async function changeFailureRate(db: Db, q: MetricQuery): Promise<MetricAnswer> {
  await prepareDora(db, q.tenantId);
  const p = new Params();
  const d = failuresSql(p, q);
  const rows = await db.query<{ bucket: string; start: Date; n: number; failed: number; linked: number }>(
    seriesSql(
      p,
      q,
      d,
      `count(d.id)::int AS n, count(d.id) FILTER (WHERE d.failed)::int AS failed,
       count(d.incident)::int AS linked`,
    ),
    p.values,
  );
  const n = rows.reduce((s, r) => s + r.n, 0);
  const failed = rows.reduce((s, r) => s + r.failed, 0);
  const rate = n === 0 ? null : failed / n;
  return {
    ...base(q, 'change_failure_rate', 'failed deployments / deployments'),
    value: rate,
    count: n,
    band: rate === null ? null : { name: failureRateBand(rate), source: BANDS_SOURCE },
    series: rows.map((r) => ({
      bucket: r.bucket,
      start: r.start,
      value: r.n === 0 ? null : r.failed / r.n,
      count: r.n,
    })),
    details: {
      failed,
      deployments: n,
      linked_to_incidents: rows.reduce((s, r) => s + r.linked, 0),
      incident_window_hours: q.profile.incident_window_hours,
    },
  };
}

/**
 * The failures behind recovery time: each failed deployment that starts a streak (the one before it for
 * the same service and environment did not fail) in the window, with the next successful deployment of
 * that service and environment, if any yet.
 */
export function recoveriesSql(p: Params, q: MetricQuery): string {
  const f = deploymentsSql(p, q.tenantId, q.from, q.to, q.filters, q.team);
  // Two index lookups per failed deployment of the window (dora_deployments_group), not a window over every
  // deployment: the one before it (does it start a streak?) and the next successful one.
  const same = [
    ...deploymentConditions(p, 'x', q.tenantId, q.filters, q.team),
    'x.service = f.service',
    'x.environment = f.environment',
  ].join(' AND ');
  return `SELECT f.id, f.source, f.pipeline, f.service, f.environment, f.result, f.at AS failed_at,
      nx.at AS restored_at
    FROM (${f}) f
    LEFT JOIN LATERAL (
      SELECT x.failed FROM dora_deployments x
      WHERE ${same} AND x.at <= f.at AND (x.at, x.run_id) < (f.at, f.id)
      ORDER BY x.at DESC, x.run_id DESC LIMIT 1
    ) prev ON true
    LEFT JOIN LATERAL (
      SELECT x.at FROM dora_deployments x
      WHERE ${same} AND x.at >= f.at AND (x.at, x.run_id) > (f.at, f.id) AND x.result = 'success' AND NOT x.failed
      ORDER BY x.at, x.run_id LIMIT 1
    ) nx ON true
    WHERE f.failed AND NOT COALESCE(prev.failed, false)`;
}

/** From a failed deployment to the next successful one of the same service and environment: median and p90. */
export async function timeToRestore(db: Db, q: MetricQuery): Promise<MetricAnswer> {
  await prepareDora(db, q.tenantId);
  const p = new Params();
  const r = recoveriesSql(p, q);
  const b = bucketsSql(p, q);
  const ms = 'extract(epoch FROM r.restored_at - r.failed_at) * 1000';
  const rows = await db.query<{
    is_total: boolean;
    bucket: string;
    start: Date;
    median_ms: number | null;
    p90_ms: number | null;
    n: number;
    open: number;
  }>(
    `WITH r AS (${r}), ${b.cte}
     SELECT ${TOTAL_COLUMN}, ${b.label},
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY ${ms}) FILTER (WHERE r.restored_at IS NOT NULL))::float8 AS median_ms,
       (percentile_cont(0.9) WITHIN GROUP (ORDER BY ${ms}) FILTER (WHERE r.restored_at IS NOT NULL))::float8 AS p90_ms,
       count(r.id) FILTER (WHERE r.restored_at IS NOT NULL)::int AS n,
       count(r.id) FILTER (WHERE r.restored_at IS NULL)::int AS open
     FROM buckets b LEFT JOIN r ON ${b.of('r.failed_at')} = b.bucket
     ${BUCKETS_AND_TOTAL}`,
    p.values,
  );
  const { series, total } = splitTotal(rows);
  const median = total?.median_ms ?? null;
  return {
    ...base(q, 'time_to_restore', 'milliseconds (median)'),
    value: median,
    count: total?.n ?? 0,
    band: median === null ? null : { name: recoveryBand(median), source: BANDS_SOURCE },
    series: series.map((x) => ({ bucket: x.bucket, start: x.start, value: x.median_ms, count: x.n })),
    details: { median_ms: median, p90_ms: total?.p90_ms ?? null, not_restored_yet: total?.open ?? 0 },
  };
}
