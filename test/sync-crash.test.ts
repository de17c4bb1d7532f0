// Killing the sync process at any point and starting it again resumes with no duplicate and no gap.
// A REAL kill: the sync runs in a child process (test/helpers/sync-child.ts) that gets SIGKILL part-way,
// so no handler, finally block or close runs; then another process takes the job back and finishes it.
//
// Both stores. A PGlite data folder whose process was SIGKILLed (in a page's transaction, between pages,
// even while PGlite was still starting or recovering) opens again with every transaction its process saw
// committed. Caveat: PGlite on Node never fsyncs (Emscripten's NODEFS has no fsync), so this holds because
// the kernel keeps what was written; a power cut or a kernel crash is another matter, not tested here.
import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionCursor } from '../src/connectors/harness/collect.js';
import { isFinalStatus } from '../src/connectors/harness/status.js';
import type { Db, Queryable } from '../src/store/db.js';
import { requeueStale } from '../src/sync/jobs.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { checkConsistency } from './helpers/consistency.js';
import { freshPgDatabase, freshPgliteFolder } from './helpers/shareable-db.js';
import { killSyncChildren, spawnSyncChild, type SyncChild } from './helpers/sync-child-process.js';
import { installHarness, syncParts, TENANT, virtualClock } from './helpers/sync-store.js';

// Child processes start slowly on a busy machine (tsx, PGlite's WebAssembly): room for that, not a measure.
const TEST_TIMEOUT_MS = 180_000;

describe('a sync killed with SIGKILL at any point resumes with no duplicate and no gap', () => {
  let fake: FakeHarness;

  beforeAll(async () => {
    // ~1,000 executions over 7 projects: about 15 pages of 100, so every kill lands part-way. The fake's
    // clock stands still, so its per-minute rate limit would never reset: lift it.
    fake = await startFakeHarness({
      seed: 23,
      now: Date.UTC(2024, 5, 5, 14, 0),
      days: 20,
      executionsPerDay: 10,
      orgCount: 2,
      rateLimitPerMinute: 1e9,
    });
    // A little upstream latency, so the child spends time in fetches as well as in transactions.
    fake.setLatency(3);
  });
  afterAll(async () => fake?.close());
  afterEach(killSyncChildren);

  /**
   * Executions stored (raw layer); the job's count of execution records stored, re-reads included; and
   * its count of pages stored over all streams: each page is one transaction.
   */
  async function progress(db: Queryable, integrationId: string, jobId: string) {
    const rows = await db.query<{
      stored: number;
      fetched: number | null;
      pages: number;
      status: string;
      worker: string | null;
    }>(
      `SELECT (SELECT count(*)::int FROM connector_records
                WHERE tenant_id = $1 AND integration_id = $2 AND stream = 'executions') AS stored,
              (SELECT records FROM sync_job_streams WHERE tenant_id = $1 AND job_id = $3 AND stream = 'executions')
                AS fetched,
              (SELECT coalesce(sum(pages), 0)::int FROM sync_job_streams WHERE tenant_id = $1 AND job_id = $3) AS pages,
              status, worker
       FROM sync_jobs WHERE tenant_id = $1 AND id = $3`,
      [TENANT, integrationId, jobId],
    );
    const row = rows[0]!;
    return { ...row, fetched: row.fetched ?? 0 };
  }

  /** Every upstream execution stored exactly once, at its current version, and a cursor per project. */
  async function expectMirrorsUpstream(db: Queryable, integrationId: string, jobId: string): Promise<void> {
    const upstream = fake.executions();
    const ids = upstream.map((e) => e.planExecutionId).sort();
    expect(new Set(ids).size).toBe(ids.length);

    const runs = await db.query<{ run_key: string }>(
      'SELECT run_key FROM cicd_runs WHERE tenant_id = $1 AND integration_id = $2',
      [TENANT, integrationId],
    );
    // Sorted lists: a gap shows as a missing key, a duplicate as a repeated one.
    expect(runs.map((r) => r.run_key).sort()).toEqual(ids);

    const records = await db.query<{ record_key: string; final: boolean; status: string }>(
      `SELECT record_key, final, payload->>'status' AS status FROM connector_records
       WHERE tenant_id = $1 AND integration_id = $2 AND stream = 'executions'`,
      [TENANT, integrationId],
    );
    expect(records.map((r) => r.record_key).sort()).toEqual(ids);
    const byId = new Map(upstream.map((e) => [e.planExecutionId, e.status]));
    const mismatched = records.filter(
      (r) => r.status !== byId.get(r.record_key) || r.final !== isFinalStatus(r.status),
    );
    expect(mismatched).toEqual([]);

    const cursors = await db.query<{ scope: string; cursor: ExecutionCursor }>(
      `SELECT scope, cursor FROM sync_cursors
       WHERE tenant_id = $1 AND integration_id = $2 AND stream = 'executions' AND scope <> '*'`,
      [TENANT, integrationId],
    );
    const scopes = fake.data.projects.map((p) => `${p.org}/${p.identifier}`).sort();
    expect(cursors.map((c) => c.scope).sort()).toEqual(scopes);
    for (const { scope, cursor } of cursors) {
      const [org, project] = scope.split('/');
      const running = fake
        .executions({ org: org!, project: project! })
        .filter((e) => !isFinalStatus(e.status))
        .map((e) => e.planExecutionId);
      // A finished scan covers everything up to its `now` (the fake's clock plus the backoff slept).
      expect(cursor.since, scope).toBeGreaterThanOrEqual(fake.now());
      expect(cursor.pending.map((p) => p.id).sort(), scope).toEqual(running.sort());
    }

    const jobs = await db.query<{ id: string; status: string }>(
      'SELECT id::text AS id, status FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2',
      [TENANT, integrationId],
    );
    expect(jobs).toEqual([{ id: jobId, status: 'succeeded' }]);
    const streams = await db.query<{ stream: string; status: string }>(
      'SELECT stream, status FROM sync_job_streams WHERE tenant_id = $1 AND job_id = $2 ORDER BY stream',
      [TENANT, jobId],
    );
    expect(streams).toEqual([
      { stream: 'executions', status: 'succeeded' },
      { stream: 'organizations', status: 'succeeded' },
      { stream: 'projects', status: 'succeeded' },
    ]);
  }

  /** Polls `done` until it holds; fails if the child ended first (it was meant to be killed mid-sync). */
  async function until(child: SyncChild, done: () => Promise<boolean>): Promise<void> {
    while (!(await done())) {
      if (child.done) throw new Error(`the sync child ended before it could be killed\n${child.describe()}`);
      await pause(10);
    }
  }

  it(
    'on PostgreSQL: killed three times while it stores pages, then finished by a fourth process',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const pg = await freshPgDatabase();
      const db = pg.open(4);
      try {
        const parts = syncParts(
          db,
          virtualClock(() => fake.now()),
        );
        const id = await installHarness(parts, fake);
        const { job } = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
        const env = { SYNC_CHILD_DATABASE_URL: pg.url, SYNC_CHILD_NOW: String(fake.now()) };

        let reported = 0; // transactions the killed processes reported committed
        for (let life = 1; life <= 3; life++) {
          const before = await progress(db, id, job.id);
          const child = spawnSyncChild(env);
          const worker = (await child.waitFor(/^ready (\S+)$/m))[1];
          // Once this process has stored new executions (a page: its rows and its cursor, seen in the
          // database), it is killed: on odd lives in the middle of its next page's transaction, on even
          // lives at once, while it fetches the next page.
          await until(child, async () => (await progress(db, id, job.id)).stored > before.stored);
          if (life % 2 === 1) await child.waitForBegin(child.committed + 1);
          const end = await child.kill();
          expect(end.signal, child.describe()).toBe('SIGKILL');

          // Nothing finished the job: it is still running under the dead worker, with part of the data.
          const after = await progress(db, id, job.id);
          expect(after).toMatchObject({ status: 'running', worker });
          expect(after.stored).toBeLessThan(fake.executions().length);
          // Every transaction a killed process saw committed is there (each killed one may have committed
          // one more it did not live to report).
          reported += child.committed;
          expect(after.pages).toBeGreaterThanOrEqual(reported);
          expect(after.pages).toBeLessThanOrEqual(reported + life);
          // What a restarted server does: take the job back; it resumes from the saved cursors.
          expect(await requeueStale(db, 0)).toBe(1);
        }

        const before = await progress(db, id, job.id);
        const last = spawnSyncChild(env);
        const end = await last.ended;
        expect(end.code, last.describe()).toBe(0);
        expect(end.stdout).toMatch(/^done succeeded$/m);
        await expectMirrorsUpstream(db, id, job.id);
        // Nothing half-written: no orphan rows, unique keys hold, the DORA tables equal a full rebuild.
        expect(await checkConsistency(db)).toEqual([]);
        // It resumed instead of starting over: of the executions already stored it re-read at most half
        // (the cursor's overlap and the still-running ones), where a sync from scratch reads them all.
        const after = await progress(db, id, job.id);
        expect(after.fetched - before.fetched).toBeLessThan(fake.executions().length - before.stored / 2);
      } finally {
        await db.close();
        await pg.drop();
      }
    },
  );

  // PGlite allows one process per data folder: the parent closes its handle before a child starts and
  // opens the folder only while no child runs, so it follows the child's progress on the child's stdout
  // (each transaction's begin and commit) instead of in the database.
  it(
    'on PGlite: a data folder whose process is killed twice mid-sync opens, recovers and finishes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const folder = await freshPgliteFolder();
      let db: Db | undefined = folder.db;
      try {
        const parts = syncParts(
          db,
          virtualClock(() => fake.now()),
        );
        const id = await installHarness(parts, fake);
        const { job } = await parts.service.requestSync(TENANT, id, 'incremental', 'manual');
        await db.close();
        db = undefined;

        const env = { SYNC_CHILD_PGLITE_DIR: folder.dir, SYNC_CHILD_NOW: String(fake.now()), SYNC_CHILD_REQUEUE: '1' };
        // Organizations (one page) and projects (one page per org) come first, then execution pages.
        const setupPages = 1 + fake.data.orgs.length;
        let reported = 0; // transactions the killed processes reported committed
        for (let life = 1; life <= 2; life++) {
          const child = spawnSyncChild(env);
          // The first process finds the job queued; the next one finds it left running by the killed one.
          expect((await child.waitFor(/^requeued (\d+)$/m))[1], child.describe()).toBe(life === 1 ? '0' : '1');
          await child.waitForCommit(setupPages + 2);
          // The first process dies in the middle of a page's transaction, the second between two pages.
          if (life === 1) await child.waitForBegin(setupPages + 3);
          const end = await child.kill();
          expect(end.signal, child.describe()).toBe('SIGKILL');
          expect(end.stdout).not.toMatch(/^done/m);
          reported += child.committed;
        }

        // The folder of a killed process opens; the job is still running, with part of the data.
        db = await folder.open();
        const before = await progress(db, id, job.id);
        expect(before.status).toBe('running');
        expect(before.stored).toBeGreaterThan(0);
        expect(before.stored).toBeLessThan(fake.executions().length);
        // No committed transaction was lost to a kill: see the PostgreSQL case.
        expect(before.pages).toBeGreaterThanOrEqual(reported);
        expect(before.pages).toBeLessThanOrEqual(reported + 2);
        await db.close();
        db = undefined;

        const last = spawnSyncChild(env);
        const end = await last.ended;
        expect(end.code, last.describe()).toBe(0);
        expect(end.stdout).toMatch(/^requeued 1$/m);
        expect(end.stdout).toMatch(/^done succeeded$/m);

        db = await folder.open();
        await expectMirrorsUpstream(db, id, job.id);
        // Nothing half-written: no orphan rows, unique keys hold, the DORA tables equal a full rebuild.
        expect(await checkConsistency(db)).toEqual([]);
        // It resumed: see the PostgreSQL case.
        const after = await progress(db, id, job.id);
        expect(after.fetched - before.fetched).toBeLessThan(fake.executions().length - before.stored / 2);
      } finally {
        await db?.close();
        folder.remove();
      }
    },
  );
});
