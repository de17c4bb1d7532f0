// The sync job queue: claiming under concurrency, one active job per integration, the schedule,
// taking back the jobs of dead workers, and a failing stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../src/store/db.js';
import { PgDb } from '../src/store/pg-db.js';
import { claimJob, enqueueJob, finishJob, getJob, requeueStale, type SyncJob } from '../src/sync/jobs.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { freshDb, STORES } from './helpers/db.js';
import { freshPgDatabase, type PgDatabase } from './helpers/shareable-db.js';
import { installHarness, syncParts, type SyncParts, TENANT, virtualClock } from './helpers/sync-store.js';

describe.each(STORES)('sync jobs on %s', (kind) => {
  let fake: FakeHarness;
  let pg: PgDatabase | undefined;
  let db: Db;
  /** Another handle on the same store: a second pool on PostgreSQL (another process); PGlite has one. */
  let other: Db;
  let parts: SyncParts;

  beforeAll(async () => {
    // The fake's clock stands still, so its per-minute rate limit would never reset: lift it.
    fake = await startFakeHarness({
      seed: 4,
      now: Date.UTC(2024, 5, 5, 14, 0),
      days: 2,
      executionsPerDay: 3,
      orgCount: 1,
      rateLimitPerMinute: 1e9,
    });
    if (kind === 'postgres') {
      pg = await freshPgDatabase();
      db = pg.open(10);
      other = pg.open(10);
    } else {
      db = await freshDb(kind);
      other = db;
    }
    parts = syncParts(
      db,
      virtualClock(() => fake.now()),
    );
  });
  afterAll(async () => {
    if (other !== db) await other?.close();
    await db?.close();
    await pg?.drop();
    await fake?.close();
  });
  afterEach(async () => {
    fake.clearFaults();
    // Jobs, cursors, records and runs go with their integration.
    await db.query('DELETE FROM integrations');
  });

  const install = (input: Parameters<typeof installHarness>[2] = {}) => installHarness(parts, fake, input);

  async function jobRow(q: Queryable, id: string) {
    const rows = await q.query<{ status: string; worker: string | null; integration_id: string }>(
      'SELECT status, worker, integration_id::text AS integration_id FROM sync_jobs WHERE tenant_id = $1 AND id = $2',
      [TENANT, id],
    );
    return rows[0];
  }

  async function queueJobs(n: number): Promise<SyncJob[]> {
    const jobs: SyncJob[] = [];
    for (let i = 0; i < n; i++) {
      const id = await install({ name: `queue ${i}` });
      jobs.push((await enqueueJob(db, TENANT, id, 'incremental', 'manual')).job);
    }
    return jobs;
  }

  describe('claiming', () => {
    it('gives concurrent claims distinct jobs, and nothing once the queue is empty', async () => {
      const queued = await queueJobs(3);
      // Four claims at once against three queued jobs: on PostgreSQL over two pools (several connections).
      const claims = await Promise.all(
        [db, other, db, other].map((q, i) => claimJob(q, `claimer-${i}`).then((job) => ({ job, worker: i }))),
      );
      const got = claims.filter((c) => c.job !== null);
      expect(got).toHaveLength(3);
      expect(got.map((c) => c.job!.id).sort()).toEqual(queued.map((j) => j.id).sort());
      for (const { job, worker } of got) {
        expect(job!.status).toBe('running');
        expect(await jobRow(db, job!.id)).toMatchObject({ status: 'running', worker: `claimer-${worker}` });
      }
      expect(await claimJob(db, 'late')).toBeNull();
    });

    // PostgreSQL only: PGlite has one connection, so a transaction holding a row lock holds the whole store.
    if (kind === 'postgres') {
      it('skips a job another worker holds locked instead of waiting for it', async () => {
        const [held, next] = await queueJobs(2);
        // Claims on this pool give up after 5 s behind a lock instead of waiting forever: waiting fails the test.
        const impatient = new PgDb(`${pg!.url}?options=${encodeURIComponent('-c lock_timeout=5000')}`, 2);
        try {
          await other.transaction(async (tx) => {
            // Another process is in the middle of taking the oldest job: its row is locked.
            await tx.query('SELECT id FROM sync_jobs WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [TENANT, held!.id]);
            expect((await claimJob(impatient, 'w1'))?.id).toBe(next!.id);
            expect(await claimJob(impatient, 'w2')).toBeNull();
          });
        } finally {
          await impatient.close();
        }
        // Once released (that process did not take it after all), it is claimable.
        expect((await claimJob(db, 'w3'))?.id).toBe(held!.id);
      });
    }

    it('never hands one job to two workers that drain the queue together', async () => {
      const queued = await queueJobs(12);
      const handles = kind === 'postgres' ? [db, db, other, other] : [db, db, db, db];
      const taken = await Promise.all(
        handles.map(async (q, i) => {
          const mine: string[] = [];
          for (let job = await claimJob(q, `w${i}`); job !== null; job = await claimJob(q, `w${i}`)) mine.push(job.id);
          return mine;
        }),
      );
      const all = taken.flat();
      expect(all.sort()).toEqual(queued.map((j) => j.id).sort());
      expect(new Set(all).size).toBe(all.length);
      // Each job is recorded under the worker it was handed to.
      for (const [i, mine] of taken.entries()) {
        for (const id of mine) expect((await jobRow(db, id))?.worker).toBe(`w${i}`);
      }
    });
  });

  describe('enqueue', () => {
    it('answers the active job instead of queueing a second one', async () => {
      const id = await install();
      const first = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      const second = await parts.service.requestSync(TENANT, id, 'full', 'cli');
      expect(first.created).toBe(true);
      expect(second).toMatchObject({
        created: false,
        job: { id: first.job.id, mode: 'incremental', status: 'queued' },
      });

      // Still one while it runs, and from another handle too.
      expect((await claimJob(db, 'w'))?.id).toBe(first.job.id);
      const third = await enqueueJob(other, TENANT, id, 'incremental', 'schedule');
      expect(third).toMatchObject({ created: false, job: { id: first.job.id, status: 'running' } });
      const active = await db.query(
        `SELECT id FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2 AND status IN ('queued', 'running')`,
        [TENANT, id],
      );
      expect(active).toHaveLength(1);
    });

    it('makes exactly one job when several requests race', async () => {
      const id = await install();
      const results = await Promise.all(
        [db, other, db, other].map((q) => enqueueJob(q, TENANT, id, 'incremental', 'manual')),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    });

    it('queues a new job once the last one has finished', async () => {
      const id = await install();
      const first = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      expect(await parts.worker.runNext()).toBe('succeeded');
      const next = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      expect(next.created).toBe(true);
      expect(next.job.id).not.toBe(first.job.id);
    });

    it('orders history and last success by job number, past job 9 (ids are answered as text)', async () => {
      const id = await install();
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) {
        const { job } = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
        await finishJob(db, (await claimJob(db, 'w'))!, i === 10 ? 'failed' : 'succeeded', null);
        ids.push(job.id);
      }
      const status = await parts.service.status(TENANT, id, 20);
      expect(status.history.map((j) => j.id)).toEqual([...ids].reverse());
      expect(status.last_success?.id).toBe(ids[9]);
    });
  });

  describe('schedule', () => {
    it('queues the integrations that are due, and after a run schedules the next one an interval later', async () => {
      const never = await install({ name: 'never synced', sync_interval_minutes: 15 });
      const past = await install({ name: 'overdue', sync_interval_minutes: 90 });
      const future = await install({ name: 'not yet' });
      const disabled = await install({ name: 'disabled', sync_enabled: false });
      const disabledPast = await install({ name: 'disabled, overdue', sync_enabled: false });
      // A webhook integration is never synced, whatever its schedule.
      await parts.integrations.create(db, TENANT, { type: 'custom', name: 'webhook' });
      const setNext = (id: string, sql: string) =>
        db.query(`UPDATE integrations SET next_sync_at = ${sql} WHERE tenant_id = $1 AND id = $2`, [TENANT, id]);
      await setNext(past, `now() - interval '1 minute'`);
      await setNext(disabledPast, `now() - interval '1 day'`);
      await setNext(future, `now() + interval '1 hour'`);

      const queued = async () =>
        db.query<{ integration_id: string; mode: string; trigger: string; status: string }>(
          `SELECT integration_id::text AS integration_id, mode, trigger, status FROM sync_jobs
           WHERE tenant_id = $1 ORDER BY sync_jobs.integration_id`,
          [TENANT],
        );
      await parts.worker.enqueueDue();
      const expected = [never, past]
        .sort((a, b) => Number(a) - Number(b))
        .map((integration_id) => ({ integration_id, mode: 'incremental', trigger: 'schedule', status: 'queued' }));
      expect(await queued()).toEqual(expected);
      // Still due while queued: no second job.
      await parts.worker.enqueueDue();
      expect(await queued()).toHaveLength(2);

      expect(await parts.worker.runNext()).toBe('succeeded');
      expect(await parts.worker.runNext()).toBe('succeeded');
      expect(await parts.worker.runNext()).toBeNull();

      // next_sync_at = the end of the run + the integration's interval: between the job's end and now.
      const schedule = await db.query<{ id: string; after_finish: boolean; before_now: boolean }>(
        `SELECT i.id::text AS id,
                i.next_sync_at >= j.finished_at + i.sync_interval_minutes * interval '1 minute' AS after_finish,
                i.next_sync_at <= now() + i.sync_interval_minutes * interval '1 minute' AS before_now
         FROM integrations i JOIN sync_jobs j ON j.tenant_id = i.tenant_id AND j.integration_id = i.id
         WHERE i.tenant_id = $1 ORDER BY i.id`,
        [TENANT],
      );
      expect(schedule).toEqual(
        [never, past].sort((a, b) => Number(a) - Number(b)).map((id) => ({ id, after_finish: true, before_now: true })),
      );
      // Nothing is due any more: the runs pushed their schedule on, the others were not touched.
      await parts.worker.enqueueDue();
      expect((await queued()).filter((j) => j.status === 'queued')).toEqual([]);
      const untouched = await db.query<{ id: string; future: boolean | null }>(
        `SELECT id::text AS id, next_sync_at > now() AS future FROM integrations
         WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY integrations.id`,
        [TENANT, [future, disabled]],
      );
      expect(untouched).toEqual([
        { id: future, future: true },
        { id: disabled, future: null },
      ]);
    });
  });

  describe('requeueStale', () => {
    it("puts back a running job whose heartbeat is old and leaves a fresh one, and a dead worker's own", async () => {
      const [stale, fresh, waiting, done] = await queueJobs(4);
      // Each claim takes the oldest queued job.
      expect((await claimJob(db, 'w-stale'))?.id).toBe(stale!.id);
      expect((await claimJob(db, 'w-fresh'))?.id).toBe(fresh!.id);
      // A finished job with an old heartbeat is history, not a crash.
      await db.query(
        `UPDATE sync_jobs SET status = 'succeeded', finished_at = now(), heartbeat_at = now() - interval '1 day'
         WHERE tenant_id = $1 AND id = $2`,
        [TENANT, done!.id],
      );
      await db.query(
        `UPDATE sync_jobs SET heartbeat_at = now() - interval '11 minutes' WHERE tenant_id = $1 AND id = $2`,
        [TENANT, stale!.id],
      );

      expect(await requeueStale(db, 10 * 60_000)).toBe(1);
      expect(await jobRow(db, stale!.id)).toMatchObject({ status: 'queued', worker: null });
      expect(await jobRow(db, fresh!.id)).toMatchObject({ status: 'running', worker: 'w-fresh' });
      expect(await jobRow(db, waiting!.id)).toMatchObject({ status: 'queued', worker: null });
      expect(await jobRow(db, done!.id)).toMatchObject({ status: 'succeeded' });
      // Nothing more is stale.
      expect(await requeueStale(db, 10 * 60_000)).toBe(0);

      // A worker restarting under the same id takes back its own jobs, however fresh.
      expect(await requeueStale(other, 10 * 60_000, 'w-fresh')).toBe(1);
      expect(await jobRow(db, fresh!.id)).toMatchObject({ status: 'queued', worker: null });

      // The taken-back job is claimable again, in queue order.
      expect((await claimJob(db, 'w-next'))?.id).toBe(stale!.id);
    });
  });

  describe('a job that cannot start', () => {
    // When reading the integration throws before its streams run (here its secret settings cannot be
    // decrypted: the secret key changed), the job must still finish, or it would block every later sync.
    it('ends failed with an error code, and the integration can be synced again', async () => {
      const id = await install();
      const { job } = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      const wrongKey = syncParts(
        db,
        virtualClock(() => fake.now()),
        { secretKey: Buffer.alloc(32, 9) },
      );
      const status = await wrongKey.worker.runNext().catch((err: unknown) => `threw: ${String(err)}`);

      const row = await getJob(db, TENANT, job.id);
      expect({ status: row.status, error: row.error?.code ?? null, runNext: status }).toEqual({
        status: 'failed',
        error: expect.any(String),
        runNext: 'failed',
      });
      const next = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      expect(next.created).toBe(true);
    });
  });

  describe('a failing stream', () => {
    it('ends the job partial: the other streams succeed and the failure is recorded with its code', async () => {
      const id = await install();
      // More 500s than the client retries, only on the executions endpoint.
      fake.clearRequests();
      fake.failNext(1000, { status: 500, pathIncludes: 'execution/summary' });
      const { job } = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      expect(await parts.worker.runNext()).toBe('partial');

      const done = await getJob(db, TENANT, job.id);
      expect(done.status).toBe('partial');
      expect(done.error).toMatchObject({ code: 'streams_failed' });
      expect(done.finished_at).not.toBeNull();
      const streams = Object.fromEntries(done.streams.map((s) => [s.stream, s]));
      expect(streams['organizations']).toMatchObject({ status: 'succeeded', error: null });
      expect(streams['projects']).toMatchObject({ status: 'succeeded', error: null });
      expect(streams['executions']).toMatchObject({
        status: 'failed',
        records: 0,
        error: { code: 'upstream_unavailable' },
      });
      expect(streams['executions']!.finished_at).not.toBeNull();
      expect(JSON.stringify(done)).not.toContain(fake.token);

      // It was retried before giving up, and the other streams' data is stored.
      const summaries = fake.requests().filter((r) => r.path.endsWith('/execution/summary'));
      expect(summaries.length).toBeGreaterThan(1);
      expect(summaries.every((r) => r.status === 500)).toBe(true);
      const stored = await db.query<{ stream: string; n: number }>(
        `SELECT stream, count(*)::int AS n FROM connector_records WHERE tenant_id = $1 AND integration_id = $2
         GROUP BY stream ORDER BY stream`,
        [TENANT, id],
      );
      expect(stored.map((s) => s.stream)).toEqual(['organizations', 'projects']);

      // The status of the integration shows it, and a later sync recovers.
      const status = await parts.service.status(TENANT, id);
      expect(status.active).toBeNull();
      expect(status.last_success).toBeNull();
      expect(status.history[0]).toMatchObject({ id: job.id, status: 'partial' });
      fake.clearFaults();
      await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
      expect(await parts.worker.runNext()).toBe('succeeded');
    });
  });
});
