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
