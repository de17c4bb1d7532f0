// The records behind a metric's number: the deployments it counted (or the failures it timed), paged.
import type { Db } from '../store/db.js';
import { deploymentsSql, Params } from './deployments.js';
import { failuresSql, type MetricQuery, recoveriesSql } from './dora.js';
import { changesSql } from './lead-time.js';
import { prepareDora } from './materialize.js';

export const METRICS = [
  'deployment-frequency',
  'lead-time-for-changes',
  'change-failure-rate',
  'time-to-restore',
] as const;
export type MetricName = (typeof METRICS)[number];

export interface RecordPage {
  columns: string[];
  rows: Record<string, unknown>[];
  next_offset: number | null;
}

const DEPLOYMENT_COLUMNS = [
  'run_id',
  'source',
  'pipeline',
  'service',
  'environment',
  'result',
  'failed',
  'finished_at',
];
const CHANGE_COLUMNS = ['run_id', 'source', 'service', 'environment', 'sha', 'committed_at', 'deployed_at', 'lead_ms'];
const RECOVERY_COLUMNS = [
  'run_id',
  'source',
  'pipeline',
  'service',
  'environment',
  'result',
  'failed_at',
  'restored_at',
  'restore_ms',
];

/** One page of the records behind `metric` for the query, newest first. */
export async function metricRecords(
  db: Db,
  metric: MetricName,
  q: MetricQuery,
  limit: number,
  offset: number,
): Promise<RecordPage> {
  await prepareDora(db, q.tenantId, { changes: metric === 'lead-time-for-changes' });
  const p = new Params();
  let sql: string;
  let columns: string[];
  if (metric === 'lead-time-for-changes') {
    columns = CHANGE_COLUMNS;
    sql = `SELECT run_id::text AS run_id, source, service, environment, sha, committed_at, deployed_at, lead_ms
           FROM (${changesSql(p, q)}) c ORDER BY deployed_at DESC, sha`;
  } else if (metric === 'time-to-restore') {
    columns = RECOVERY_COLUMNS;
    sql = `SELECT id::text AS run_id, source, pipeline, service, environment, result, failed_at, restored_at,
             (extract(epoch FROM restored_at - failed_at) * 1000)::float8 AS restore_ms
           FROM (${recoveriesSql(p, q)}) r ORDER BY failed_at DESC, id DESC`;
  } else if (metric === 'change-failure-rate') {
    columns = [...DEPLOYMENT_COLUMNS, 'incident'];
    sql = `SELECT id::text AS run_id, source, pipeline, service, environment, result, failed, at AS finished_at, incident
           FROM (${failuresSql(p, q)}) d ORDER BY at DESC, id DESC`;
  } else {
    columns = DEPLOYMENT_COLUMNS;
    sql = `SELECT id::text AS run_id, source, pipeline, service, environment, result, failed, at AS finished_at
           FROM (${deploymentsSql(p, q.tenantId, q.from, q.to, q.filters, q.team)}) d WHERE result = 'success'
           ORDER BY at DESC, id DESC`;
  }
  const rows = await db.query<Record<string, unknown>>(
    `${sql} LIMIT ${p.add(limit + 1)} OFFSET ${p.add(offset)}`,
    p.values,
  );
  const more = rows.length > limit;
  return { columns, rows: rows.slice(0, limit), next_offset: more ? offset + limit : null };
}

const cell = (v: unknown): string => {
  let s = v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v);
  // A name that starts like a formula stays text in a spreadsheet.
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header line. */
export function toCsv(page: RecordPage): string {
  return (
    [page.columns.join(','), ...page.rows.map((r) => page.columns.map((c) => cell(r[c])).join(','))].join('\r\n') +
    '\r\n'
  );
}
