// Lead time from the packed hours (src/metrics/lead-hours.ts) answers exactly what the SQL over every change
// answers: random deployments, random windows (edges off the hour), time zones, intervals, filters and teams,
// on both stores; and the hours kept up to date batch by batch equal the hours of a full rebuild.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainRun } from '../src/domain/cicd-run.js';
import type { MetricQuery } from '../src/metrics/dora.js';
import { leadTimeFromHours, percentileCont } from '../src/metrics/lead-hours.js';
import { leadTimeSql } from '../src/metrics/lead-time.js';
import { markChangesDirty, prepareDora, refreshChanges } from '../src/metrics/materialize.js';
import type { Db } from '../src/store/db.js';
import { upsertRuns } from '../src/store/runs.js';
import { createTenant } from '../src/store/tenants.js';
import { Mulberry32 } from './fakes/common/prng.js';
import { freshDb, STORES } from './helpers/db.js';
import { pulled } from './helpers/runs.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 1);
const TENANT = 'acme';

/** percentile_cont by the book: sort, then interpolate between the two nearest ranks. */
function reference(values: readonly number[], f: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = f * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

describe('percentileCont', () => {
  it('equals sorting and interpolating, for any size, order and duplicates', () => {
    const rng = new Mulberry32(7);
    for (let round = 0; round < 500; round++) {
      const n = rng.int(0, round < 50 ? 5 : 3000);
      const spread = rng.pick([3, 100, 1e9]);
      const values = Array.from({ length: n }, () => Math.floor(rng.next() * spread) * rng.pick([1, 0.5, 1000]));
      if (rng.chance(0.2)) values.sort((a, b) => a - b);
      if (rng.chance(0.1)) values.reverse();
      const fractions = rng.chance(0.5) ? [0.5, 0.9] : [0.9, 0.5, 0.25];
      const got = percentileCont(Float64Array.from(values), fractions);
      expect(got).toEqual(fractions.map((f) => reference(values, f)));
    }
  });
});

describe.each(STORES)('lead time from packed hours on %s', (kind) => {
  let db: Db;
  let integrationId: string;
  const rng = new Mulberry32(11);
  let seq = 0;

  /** Deployments of random services, pipelines and times, each listing commits (some shipped before, some unknown). */
  const batch = (count: number, fromMs: number, spanMs: number): DomainRun[] => {
    const runs: DomainRun[] = [];
    for (let i = 0; i < count; i++) {
      const start = fromMs + Math.floor(rng.next() * spanMs);
      const key = `dep-${seq++}`;
      const commits = Array.from({ length: rng.int(1, 6) }, () => {
        // A small pool of SHAs, so some are shipped again by later deployments (counted once).
        const sha = `c${rng.int(0, 4000)}`.padEnd(40, '0');
        const known = rng.chance(0.9);
        return { sha, committedAt: known ? new Date(start - rng.int(1, 20 * 24 * 60) * MIN) : null };
      });
      runs.push({
        ...pulled(key, new Date(start).toISOString(), rng.chance(0.9) ? 'success' : 'failure', ['prod', 'Production']),
        pipeline: rng.pick(['deploy_api', 'deploy_web', 'deploy_db']),
        commits,
        deployTargets: [
          {
            service: rng.pick(['api', 'web', 'db', 'auth']),
            environment: rng.pick(['prod', 'prod-eu']),
            environmentType: 'Production',
            infrastructure: null,
          },
        ],
      });
    }
    return runs;
  };
  const store = (runs: DomainRun[]) =>
    db.transaction((tx) =>
      upsertRuns(
        tx,
        TENANT,
        runs.map((run) => ({ integrationId, source: 'harnessng', run })),
      ),
    );

  beforeAll(async () => {
    db = await freshDb(kind);
    await createTenant(db, TENANT, 'Acme');
    const [i] = await db.query<{ id: string }>(
      `INSERT INTO integrations (tenant_id, type, name) VALUES ($1, 'harnessng', 'h') RETURNING id::text AS id`,
      [TENANT],
    );
    integrationId = i!.id;
    await store(batch(300, T0, 40 * DAY));
    await prepareDora(db, TENANT, { changes: true });
  });
  afterAll(async () => db?.close());

  const query = (over: Partial<MetricQuery>): MetricQuery =>
    ({
      tenantId: TENANT,
      from: new Date(T0),
      to: new Date(T0 + 30 * DAY),
      timeZone: 'UTC',
      interval: 'week',
      filters: {},
      ...over,
    }) as MetricQuery;

  it('answers what the SQL over every change answers, for random windows, zones, intervals, filters and teams', async () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'America/Sao_Paulo'];
    const deployed = (
      await db.query<{ at: Date }>('SELECT DISTINCT deployed_at AS at FROM dora_changes WHERE tenant_id = $1', [TENANT])
    ).map((r) => r.at.getTime());
    // An edge a little before or after a deployment: the partial hours at the edges hold changes.
    const near = () => rng.pick(deployed) + rng.pick([-1, 1]) * rng.int(1, 40 * MIN);
    let edgeChanges = 0;
    for (let round = 0; round < 25; round++) {
      // Edges anywhere (to the millisecond), from a few hours to the whole data set.
      const from = rng.chance(0.8) ? near() : T0 - DAY + Math.floor(rng.next() * 35 * DAY);
      const length = rng.pick([3 * HOUR + 17 * MIN, DAY, 9 * DAY + 1234, 45 * DAY]);
      const to = rng.chance(0.8) ? Math.max(from + HOUR, near()) : from + length;
      const filters = rng.pick([{}, { service: 'api' }, { pipeline: 'deploy_web' }, { environment: 'prod-eu' }]);
      const q = query({
        from: new Date(from),
        to: new Date(to),
        timeZone: rng.pick(zones),
        interval: rng.pick(['day', 'week', 'month'] as const),
        filters,
        ...(rng.chance(0.2) ? { team: { services: ['web', 'db'], repositories: [] } } : {}),
      });
      const fast = await leadTimeFromHours(db, q);
      const slow = await leadTimeSql(db, q);
      expect(fast, JSON.stringify(q)).toBeDefined();
      expect(fast!.total).toMatchObject({
        median_ms: slow.total!.median_ms,
        p90_ms: slow.total!.p90_ms,
        n: slow.total!.n,
        unknown: slow.total!.unknown,
        deployments: slow.total!.deployments,
      });
      expect(fast!.series).toEqual(
        slow.series.map((r) => {
          const { is_total: _, ...rest } = r as typeof r & { is_total?: boolean };
          return rest;
        }),
      );
      const [edges] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM dora_changes WHERE tenant_id = $1 AND first
           AND ((deployed_at >= $2 AND deployed_at < date_trunc('hour', $2::timestamptz, 'UTC') + interval '1 hour')
             OR (deployed_at >= date_trunc('hour', $3::timestamptz, 'UTC') AND deployed_at < $3))`,
        [TENANT, q.from, q.to],
      );
      edgeChanges += edges!.n;
    }
    // The windows' partial hours did hold changes (read change by change, not from the packed hours).
    expect(edgeChanges).toBeGreaterThan(20);
    // The data behind it is not trivial: changes left out, several deployments, several buckets.
    const all = await leadTimeSql(db, query({ to: new Date(T0 + 45 * DAY) }));
    expect(all.total!.n).toBeGreaterThan(500);
    expect(all.total!.unknown).toBeGreaterThan(10);
  });

  it('leaves a zone whose buckets do not start on whole hours to the SQL', async () => {
    expect(await leadTimeFromHours(db, query({ timeZone: 'Asia/Kolkata', interval: 'day' }))).toBeUndefined();
    expect(await leadTimeFromHours(db, query({ timeZone: 'Asia/Kathmandu' }))).toBeUndefined();
  });

  it('keeps the hours up to date as late and out-of-order data arrives: equal to a full rebuild', async () => {
    const hours = () =>
      db.query(
        `SELECT hour, source, pipeline, service, environment, changes, unknown, deployments, encode(leads, 'hex') AS leads
         FROM dora_lead_hours WHERE tenant_id = $1 ORDER BY hour, source, pipeline, service, environment`,
        [TENANT],
      );
    // Late deployments (earlier than what is stored, so later ones lose changes they shipped first), one
    // deployment restated as failed, then new ones; a refresh after each batch.
    await store(batch(40, T0 + 5 * DAY, 10 * DAY));
    await refreshChanges(db, TENANT);
    await store([{ ...batch(1, T0 + 20 * DAY, DAY)[0]!, runKey: 'dep-3', executionId: 'dep-3', result: 'failure' }]);
    await store(batch(30, T0 + 38 * DAY, 4 * DAY));
    await refreshChanges(db, TENANT);
    const incremental = await hours();
    expect(incremental.length).toBeGreaterThan(100);

    await db.transaction((tx) => markChangesDirty(tx, TENANT, 'always'));
    await refreshChanges(db, TENANT);
    expect(await hours()).toEqual(incremental);
  });
});
