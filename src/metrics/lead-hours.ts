// Lead time over many changes, fast and exact. An exact median over a million changes means reading a
// million values; PostgreSQL's percentile_cont sorts them (over a second at 1,000,000 changes). Instead,
// dora_lead_hours keeps, per UTC hour and deployment dimensions, the lead times shipped first in that hour as
// one packed, sorted float8 array. A query reads the whole hours of its window from there and the partial
// hours at its edges from dora_changes, and picks the percentiles itself (a selection, linear time) with
// percentile_cont's own interpolation, so it answers what the SQL would, to the last bit.
//
// Hours map onto the buckets of a series when every bucket starts on a whole hour, which holds in every time
// zone whose offset is whole hours. Elsewhere (Asia/Kolkata, +05:30) the caller computes it in SQL.
import { endianness } from 'node:os';
import type { Db, Queryable } from '../store/db.js';
import { bucketsSql } from './buckets.js';
import { deploymentConditions, Params } from './deployments.js';
import type { MetricQuery } from './dora.js';

const HOUR_MS = 3_600_000;
// float8send writes big-endian; a Float64Array reads the host's order.
const LITTLE_ENDIAN = endianness() === 'LE';

/** Rebuilds the hours from the one `since` falls in (as text: `-infinity` rebuilds all), in the caller's transaction. */
export async function refreshLeadHours(tx: Queryable, tenantId: string, since: string): Promise<void> {
  await tx.query(
    `DELETE FROM dora_lead_hours WHERE tenant_id = $1 AND hour >= date_trunc('hour', $2::timestamptz, 'UTC')`,
    [tenantId, since],
  );
  // string_agg leaves out the changes whose lead time is unknown (null); they are counted apart.
  await tx.query(
    `INSERT INTO dora_lead_hours (tenant_id, hour, source, pipeline, service, environment, changes, unknown,
       deployments, leads)
     SELECT tenant_id, date_trunc('hour', deployed_at, 'UTC'), source, pipeline, service, environment,
       count(lead_ms)::int, (count(*) - count(lead_ms))::int, count(DISTINCT run_id)::int,
       COALESCE(string_agg(float8send(lead_ms), ''::bytea ORDER BY lead_ms), ''::bytea)
     FROM dora_changes
     WHERE tenant_id = $1 AND first AND deployed_at >= date_trunc('hour', $2::timestamptz, 'UTC')
     GROUP BY 1, 2, 3, 4, 5, 6`,
    [tenantId, since],
  );
}

/** What lead time reports per bucket and for the window: the same fields its SQL computes. */
export interface LeadRow {
  bucket: string;
  start: Date;
  median_ms: number | null;
  p90_ms: number | null;
  /** Changes with a known lead time. */
  n: number;
  /** Changes whose commit time is unknown. */
  unknown: number;
  /** Deployments that shipped a change first. */
  deployments: number;
}

/** percentile_cont(f) of `values` as PostgreSQL computes it (float8 interpolation); reorders `values`. */
export function percentileCont(values: Float64Array, fractions: readonly number[]): (number | null)[] {
  const n = values.length;
  if (n === 0) return fractions.map(() => null);
  // Ascending fractions, so each selection can start where the previous one left its order statistic.
  const order = fractions.map((f, i) => ({ f, i })).sort((a, b) => a.f - b.f);
  const out: (number | null)[] = fractions.map(() => null);
  let left = 0;
  for (const { f, i } of order) {
    const pos = f * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const first = select(values, lo, left, n - 1);
    left = lo;
    let second = first;
    if (hi !== lo) {
      // After the selection everything past `lo` is at least values[lo]: the next order statistic is their minimum.
      second = Number.POSITIVE_INFINITY;
      for (let k = lo + 1; k < n; k++) if (values[k]! < second) second = values[k]!;
    }
    out[i] = first + (second - first) * (pos - lo);
  }
  return out;
}

/** The k-th smallest of values[left..right] (Hoare selection), leaving smaller ones before it and larger after. */
function select(a: Float64Array, k: number, left: number, right: number): number {
  let rounds = 0;
  while (right > left) {
    if (++rounds > 64) {
      // A pathological order: sort what is left instead.
      a.subarray(left, right + 1).sort();
      return a[k]!;
    }
    const mid = (left + right) >>> 1;
    const x = a[left]!;
    const y = a[mid]!;
    const z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k]!;
  }
  return a[k]!;
}

interface Acc {
  chunks: Uint8Array[];
  edge: number[];
  n: number;
  unknown: number;
  deployments: number;
  edgeRuns: Set<string>;
}

const acc = (): Acc => ({ chunks: [], edge: [], n: 0, unknown: 0, deployments: 0, edgeRuns: new Set() });

/**
 * Every bucket's lead times in one array, bucket after bucket: the packed bytes and the edge values side by side
 * in one 8-byte-aligned buffer (edges written big-endian like the rest), turned to the host's order in place
 * (native), then read as doubles where they lie. Answers each bucket's range in it.
 */
function values(parts: readonly Acc[]): { all: Float64Array; ranges: [number, number][] } {
  const total = parts.reduce((s, a) => s + a.n, 0);
  const bytes = Buffer.allocUnsafeSlow(total * 8);
  const ranges: [number, number][] = [];
  let at = 0;
  for (const a of parts) {
    const start = at / 8;
    for (const c of a.chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    for (const v of a.edge) at = bytes.writeDoubleBE(v, at);
    ranges.push([start, at / 8]);
  }
  if (at > 0 && LITTLE_ENDIAN) bytes.swap64();
  return { all: new Float64Array(bytes.buffer, bytes.byteOffset, total), ranges };
}

function row(bucket: string, start: Date, values: Float64Array, parts: readonly Acc[]): LeadRow {
  const [median, p90] = percentileCont(values, [0.5, 0.9]);
  return {
    bucket,
    start,
    median_ms: median ?? null,
    p90_ms: p90 ?? null,
    n: parts.reduce((s, a) => s + a.n, 0),
    unknown: parts.reduce((s, a) => s + a.unknown, 0),
    deployments: parts.reduce((s, a) => s + a.deployments + a.edgeRuns.size, 0),
  };
}

/**
 * Lead time's series and totals from dora_lead_hours and the window's edges, for the changes first shipped in
 * the window under the query's filters and team (`prepareDora` with `changes` first). Undefined when a bucket
 * of the series does not start on a whole hour: compute it in SQL then.
 */
export async function leadTimeFromHours(
  db: Db,
  q: Pick<MetricQuery, 'tenantId' | 'from' | 'to' | 'timeZone' | 'interval' | 'filters' | 'team'>,
): Promise<{ series: LeadRow[]; total: LeadRow } | undefined> {
  const pb = new Params();
  const b = bucketsSql(pb, q);
  const buckets = await db.query<{ bucket: string; start: Date }>(
    `WITH ${b.cte} SELECT ${b.label} FROM buckets b ORDER BY b.bucket`,
    pb.values,
  );
  if (buckets.some((x) => x.start.getTime() % HOUR_MS !== 0)) return undefined;
  const starts = buckets.map((x) => x.start.getTime());
  const bucketOf = (t: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const accs = buckets.map(acc);

  const from = q.from.getTime();
  const to = q.to.getTime();
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const endHour = Math.floor(to / HOUR_MS) * HOUR_MS;
  const whole = firstHour < endHour;

  if (whole) {
    // One row per hour (the services and pipelines of an hour concatenated by the database): a few thousand
    // rows of a few kilobytes, which the driver reads far faster than one per hour and service, or a dozen
    // of megabytes each.
    const p = new Params();
    const where = [
      ...deploymentConditions(p, 'h', q.tenantId, q.filters, q.team),
      `h.hour >= ${p.add(new Date(firstHour))}`,
      `h.hour < ${p.add(new Date(endHour))}`,
    ];
    const hours = await db.query<{
      hour: Date;
      changes: number;
      unknown: number;
      deployments: number;
      leads: Uint8Array;
    }>(
      `SELECT h.hour, sum(h.changes)::int AS changes, sum(h.unknown)::int AS unknown,
         sum(h.deployments)::int AS deployments, string_agg(h.leads, ''::bytea) AS leads
       FROM dora_lead_hours h WHERE ${where.join(' AND ')} GROUP BY h.hour`,
      p.values,
    );
    for (const h of hours) {
      const a = accs[bucketOf(h.hour.getTime())]!;
      a.chunks.push(h.leads);
      a.n += h.changes;
      a.unknown += h.unknown;
      a.deployments += h.deployments;
    }
  }

  // The partial hours at the window's edges (all of it when it spans no whole hour), change by change.
  const p = new Params();
  const span = (a: number, z: number) =>
    `(c.deployed_at >= ${p.add(new Date(a))} AND c.deployed_at < ${p.add(new Date(z))})`;
  const edges = whole ? [span(from, firstHour), span(endHour, to)] : [span(from, to)];
  const where = [...deploymentConditions(p, 'c', q.tenantId, q.filters, q.team), 'c.first', `(${edges.join(' OR ')})`];
  const rows = await db.query<{ deployed_at: Date; run_id: string; lead_ms: number | null }>(
    `SELECT c.deployed_at, c.run_id::text AS run_id, c.lead_ms FROM dora_changes c WHERE ${where.join(' AND ')}`,
    p.values,
  );
  for (const r of rows) {
    const a = accs[bucketOf(r.deployed_at.getTime())]!;
    a.edgeRuns.add(r.run_id);
    if (r.lead_ms === null) a.unknown++;
    else {
      a.edge.push(r.lead_ms);
      a.n++;
    }
  }

  // Decoded once: each bucket picks its percentiles in its own range (reordering only that range), then the
  // window over all of them.
  const { all, ranges } = values(accs);
  const series = buckets.map((x, i) => row(x.bucket, x.start, all.subarray(...ranges[i]!), [accs[i]!]));
  return { series, total: row('', q.from, all, accs) };
}
