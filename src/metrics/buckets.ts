import type { Params } from './deployments.js';

/** What the buckets of a series are made from: the window, its time zone and the interval. */
export interface BucketWindow {
  from: Date;
  to: Date;
  timeZone: string;
  interval: 'day' | 'week' | 'month';
}

/**
 * The `buckets` CTE of a series: every interval of the window in its time zone (local timestamps), and
 * the SQL that puts a timestamptz column in its bucket and reads a bucket back.
 */
export function bucketsSql(p: Params, w: BucketWindow): { cte: string; of: (column: string) => string; label: string } {
  const tz = p.add(w.timeZone);
  const unit = p.add(w.interval);
  return {
    cte: `buckets AS (
        SELECT generate_series(date_trunc(${unit}, ${p.add(w.from)}::timestamptz AT TIME ZONE ${tz}),
                               ${p.add(w.to)}::timestamptz AT TIME ZONE ${tz} - interval '1 microsecond',
                               ('1 ' || ${unit})::interval) AS bucket
      )`,
    of: (column) => `date_trunc(${unit}, ${column} AT TIME ZONE ${tz})`,
    label: `to_char(b.bucket, 'YYYY-MM-DD') AS bucket, b.bucket AT TIME ZONE ${tz} AS start`,
  };
}

/**
 * For a series and its totals in one statement (the costly CTE runs once): select this, group by this,
 * then split the rows with `splitTotal`.
 */
export const TOTAL_COLUMN = 'GROUPING(b.bucket) = 1 AS is_total';
export const BUCKETS_AND_TOTAL = 'GROUP BY GROUPING SETS ((b.bucket), ()) ORDER BY GROUPING(b.bucket), b.bucket';

/** The per-bucket rows and the totals row of a `BUCKETS_AND_TOTAL` query. */
export function splitTotal<T extends { is_total: boolean }>(rows: T[]): { series: T[]; total: T | undefined } {
  return { series: rows.filter((r) => !r.is_total), total: rows.find((r) => r.is_total) };
}
