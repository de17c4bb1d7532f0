// The webhook survives SIGKILL: a load generator posts runs (single and bulk NDJSON) at a steady rate to a
// real `sei serve` process that is killed with SIGKILL several times while requests are in flight, and started
// again on the same store. Afterwards every run a 2xx answered for is there exactly once (at the version
// answered, or a later one that was sent), nothing is there that was never sent, re-posting a run whose answer
// was lost did not duplicate it, and the store passes the consistency check (test/helpers/consistency.ts).
//
// Both stores. On PGlite a data folder whose process was SIGKILLed opens again with every transaction that
// process answered for. Caveat (as in test/sync-crash.test.ts): PGlite on Node never fsyncs (Emscripten's
// NODEFS has no fsync), so this holds because the kernel keeps what was written; a power cut or a kernel
// crash is another matter, not tested here.
//
// SEI_SOAK=1 kills many more times over minutes of load.
import { setTimeout as pause } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.js';
import { checkConsistency } from './helpers/consistency.js';
import { CrashLoad, type Target } from './helpers/crash-load.js';
import {
  call,
  type CrashStore,
  freshCrashStore,
  givePidAway,
  type ServeProcess,
  startServe,
} from './helpers/crash-server.js';
import { STORES } from './helpers/db.js';
import { freePort, killAllProcesses } from './helpers/process.js';
import { run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';
import { soak } from './helpers/soak.js';

const KILLS = soak(3, 20);
/**
 * Load between two kills: a random number of answered requests in this range (counted, not timed, so a slow
 * machine sees as much load as a fast one), then a random moment up to 200 ms later.
 */
const LIFE_ANSWERS = soak([10, 40] as const, [10, 250] as const);
const WORKERS = 4;
const PAUSE_MS = 15;
// Child processes start slowly on a busy machine (tsx, PGlite's WebAssembly): room for that, not a measure.
const TEST_TIMEOUT_MS = soak(240_000, 2_400_000);
const WINDOW = 'from=2024-02-01&to=2024-04-30';

describe('the webhook killed with SIGKILL under load loses no acknowledged run and duplicates none', () => {
  afterEach(killAllProcesses);

  for (const kind of STORES) {
    it(`on ${kind}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const store = await freshCrashStore(kind);
      let db: Db | undefined;
      try {
        await crashUnderLoad(store, (opened) => (db = opened));
      } finally {
        await db?.close();
        await store.remove();
      }
    });
  }
});

// The check itself must see what a crash could leave behind; each kind of damage, made by hand, is reported.
// On PostgreSQL only: the same SQL runs on PGlite in the crash test above, and a second server costs time.
describe('the consistency check', () => {
  let s: TestServer | undefined;
  afterEach(async () => s?.close());

  it('passes a store the product wrote, and reports orphans, duplicates, stale DORA tables and migrations', async () => {
    s = await startServer('postgres');
    const srv = s;
    const { guid } = await makeInstance(srv);
    const post = async (extra: Record<string, unknown>) => {
      const res = await srv.api('POST', '/v1/custom-cicd', { ...run(guid), cd: true, ...extra });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const first = await post({
      scm_commit_ids: ['a'.repeat(40)],
      job_run: { stages: [{ displayName: 'b', steps: [{ displayName: 's' }] }] },
    });
    await post({ scm_commit_ids: ['b'.repeat(40)] });
    expect((await srv.api('GET', `/v1/metrics/lead-time-for-changes?${WINDOW}`)).status).toBe(200);
    await post({ scm_commit_ids: ['c'.repeat(40)] }); // leaves a dirty mark for the check to consume
    expect(await checkConsistency(srv.db)).toEqual([]);

    const damage = async (sql: string) =>
      srv.db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica'); // no foreign key checks
        await tx.query(sql, []);
      });
    // A step whose stage is gone, a run stored twice (its unique index dropped), a deployment row lost,
    // a change's head flag flipped, a migration unrecorded.
    await damage(`DELETE FROM cicd_run_stages WHERE run_id = ${first}`);
    await damage('ALTER TABLE cicd_runs DROP CONSTRAINT cicd_runs_tenant_id_instance_guid_run_key_key');
    await damage(`INSERT INTO cicd_runs (tenant_id, integration_id, instance_guid, source, run_key, pipeline,
        job_full_name, qualified_name, instance_name, result, result_raw, start_time, end_time, duration_ms, cd)
      SELECT tenant_id, integration_id, instance_guid, source, run_key, pipeline, job_full_name, qualified_name,
        instance_name, result, result_raw, start_time, end_time, duration_ms, cd FROM cicd_runs WHERE id = ${first}`);
    await damage(`DELETE FROM dora_deployments WHERE run_id = ${first}`);
    await damage('UPDATE dora_changes SET head = NOT head');
    await damage('DELETE FROM schema_migrations WHERE version = 1');
    const problems = await checkConsistency(srv.db);
    for (const found of [
      '1 row(s) of cicd_run_steps without their cicd_run_stages row',
      '(tenant_id, instance_guid, run_key) of cicd_runs held by more than one row',
      'dora_deployments of acme against the runs: 4 row(s) expected, 2 found',
      'dora_changes of acme against a rebuild',
      'schema_migrations holds',
    ]) {
      expect(
        problems.some((p) => p.includes(found)),
        `${found} in ${JSON.stringify(problems)}`,
      ).toBe(true);
    }
  });
});

/** A random whole number of ms in [lo, hi). */
const within = ([lo, hi]: readonly [number, number]): number => lo + Math.floor(Math.random() * (hi - lo));

/** Waits while the load gets a random number of answers more (or goes wrong), then a random moment more. */
async function loadFor(load: CrashLoad, server: ServeProcess): Promise<void> {
  const until = load.stats.acknowledged + within(LIFE_ANSWERS);
  while (load.stats.acknowledged < until && load.stats.unexpected.length === 0 && !server.done) await pause(5);
  await pause(within([0, 200]));
}

async function crashUnderLoad(store: CrashStore, opened: (db: Db) => void): Promise<void> {
  const port = await freePort();
  let server: ServeProcess = await startServe(store, port);
  await server.up();
  const admin = await server.firstKey();
  const api = (method: string, path: string, body?: unknown) =>
    call(server.url, admin, method, path, body === undefined ? undefined : JSON.stringify(body));

  // What the README's set-up does: a Custom CI/CD integration, an instance under it, an ingestion key.
  const integration = await api('POST', '/v1/integrations', { type: 'custom', name: 'Crash' });
  expect(integration.status, integration.text).toBe(201);
  const instance = await api('POST', '/v1/cicd/instances', {
    integration_id: integration.body.id,
    name: 'Jenkins crash',
    type: 'jenkins',
  });
  expect(instance.status, instance.text).toBe(201);
  const guid: string = instance.body.id;
  const ingestion = await api('POST', '/v1/keys', { name: 'load', role: 'ingestion' });
  expect(ingestion.status, ingestion.text).toBe(201);
  // The first metric query builds the DORA tables: from then on every batch refreshes them in its transaction.
  const first = await api('GET', `/v1/metrics/deployment-frequency?${WINDOW}`);
  expect(first.status, first.text).toBe(200);

  let up: Promise<void> = Promise.resolve();
  const target: Target = { url: server.url, key: ingestion.body.key, whenUp: () => up };
  const load = new CrashLoad(target, guid, 0x5e1 + port);
  const stopLoad = load.start(WORKERS, PAUSE_MS);
  // A reader beside the writers: lead time refreshes the changes (its own transactions, killed too).
  const reads = { ok: 0, failed: [] as string[] };
  let reading = true;
  const reader = (async () => {
    while (reading) {
      await up;
      try {
        const res = await api('GET', `/v1/metrics/lead-time-for-changes?${WINDOW}`);
        if (res.status === 200) reads.ok++;
        else reads.failed.push(`${res.status} ${res.text.slice(0, 300)}`);
      } catch {
        // no answer: the server was killed
      }
      await pause(300);
    }
  })();

  const inFlightAtKill: number[] = [];
  let restarted = (): void => undefined;
  const startMs: number[] = [];
  try {
    for (let life = 1; life <= KILLS; life++) {
      await loadFor(load, server);
      // Kill while requests are on the wire (the load keeps some there nearly all the time).
      for (let i = 0; i < 200 && load.inFlight === 0; i++) await pause(5);
      up = new Promise((resolve) => (restarted = resolve));
      inFlightAtKill.push(load.inFlight);
      const end = await server.kill();
      expect(end.signal, server.describe()).toBe('SIGKILL');
      // Once, the dead server's pid goes to another process: its PGlite lock must still be seen as stale (on
      // Linux, where the lock tells the two apart by their start times).
      const standIn = store.kind === 'pglite' && life === 1 ? await givePidAway(store.env['SEI_DATA_DIR']!) : undefined;
      server = await startServe(store, port);
      // Under soak, some kills land while the next process starts (PGlite opening and recovering its folder).
      if (soak(false, life % 3 === 0)) {
        await Promise.race([server.up(), pause(within([0, 4000]))]);
        expect((await server.kill()).signal).toBe('SIGKILL');
        server = await startServe(store, port);
      }
      // A process that cannot open the store after a kill fails here, with its output.
      const t0 = Date.now();
      try {
        await server.up();
      } finally {
        standIn?.();
      }
      startMs.push(Date.now() - t0);
      restarted();
    }
    await loadFor(load, server);
  } finally {
    // Also when a start failed: the workers and the reader waiting for it are let go, to stop.
    reading = false;
    const stopping = stopLoad();
    up = Promise.resolve();
    restarted();
    await stopping;
    await reader;
  }

  // Half the runs whose answer was lost are posted again: stored once, whether or not the lost post was.
  const unanswered = load.unanswered();
  await load.repost(unanswered.filter((_, i) => i % 2 === 0));
  // Soft: what the store holds is checked below all the same, and says more.
  expect.soft(load.stats.unexpected).toEqual([]);
  expect.soft(reads.failed).toEqual([]);

  // One more kill, then a start that recovers what it left: nothing is in flight any more (a post the client gave
  // up on may still have been running before), so the API and, after the last kill, SQL see the same store.
  expect((await server.kill()).signal, server.describe()).toBe('SIGKILL');
  server = await startServe(store, port);
  await server.up();

  // The API answers what is stored: every run of the instance, once, over the pages.
  const listed: string[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page = await api(
      'GET',
      `/v1/cicd/runs?instance_guid=${guid}&limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`,
    );
    expect(page.status, page.text).toBe(200);
    listed.push(...page.body.runs.map((r: { run_key: string }) => r.run_key));
    cursor = page.body.next_cursor;
  }
  const df = await api('GET', `/v1/metrics/deployment-frequency?${WINDOW}`);
  const cfr = await api('GET', `/v1/metrics/change-failure-rate?${WINDOW}`);
  expect(df.status, df.text).toBe(200);
  expect(cfr.status, cfr.text).toBe(200);
  // The last process dies the same way; the store opens once more here.
  expect((await server.kill()).signal, server.describe()).toBe('SIGKILL');

  const db = await store.open();
  opened(db);
  const stored = await db.query<{ run_key: string; n: number; version: string; stages: number; steps: number }>(
    `SELECT run_key, count(*)::int AS n, min(user_id) AS version,
       min((SELECT count(*) FROM cicd_run_stages s WHERE s.tenant_id = r.tenant_id AND s.run_id = r.id))::int AS stages,
       min((SELECT count(*) FROM cicd_run_steps s WHERE s.tenant_id = r.tenant_id AND s.run_id = r.id))::int AS steps
     FROM cicd_runs r WHERE tenant_id = 'default' AND instance_guid = $1 GROUP BY run_key`,
    [guid],
  );
  const byKey = new Map(stored.map((s) => [s.run_key, s]));
  expect(stored.filter((s) => s.n > 1)).toEqual([]); // no duplicate
  expect(stored.filter((s) => !load.runs.has(s.run_key)).map((s) => s.run_key)).toEqual([]); // nothing never sent
  const runs = [...load.runs.values()];
  const acknowledged = runs.filter((r) => r.acked >= 0);
  expect(acknowledged.filter((r) => !byKey.has(r.runKey)).map((r) => r.runKey)).toEqual([]); // none lost
  // Each at a version sent no earlier than the one answered for, with that version's child rows, whole.
  const wrong = runs.flatMap((r) => {
    const s = byKey.get(r.runKey);
    if (s === undefined) return [];
    const v = Number(s.version.slice(1));
    const whole = s.stages === (v > 0 ? 2 : 1) && s.steps === (v > 0 ? 3 : 1);
    return v >= r.acked && v < r.posted && whole ? [] : [{ ...r, stored: s }];
  });
  expect(wrong).toEqual([]);
  expect([...listed].sort()).toEqual(stored.map((s) => s.run_key).sort());
  const [sql] = await db.query<{ runs: number; deployed: number; deployments: number }>(
    `SELECT count(*)::int AS runs, (count(*) FILTER (WHERE cd AND result = 'success'))::int AS deployed,
       (count(*) FILTER (WHERE cd))::int AS deployments
     FROM cicd_runs WHERE tenant_id = 'default'`,
  );
  expect(sql!.runs).toBe(stored.length);
  expect(df.body.count).toBe(sql!.deployed);
  expect(cfr.body.count).toBe(sql!.deployments);

  expect(await checkConsistency(db)).toEqual([]);

  const reposted = runs.filter((r) => r.storedUnanswered).length;
  process.stdout.write(
    `[ingest-crash ${store.kind}] ${KILLS} kills under load (requests in flight: ${inFlightAtKill.join(', ')}) and 2 after; ` +
      `${load.stats.requests} requests, ${load.stats.acknowledged} answered 2xx, ${load.stats.unanswered} unanswered, ` +
      `${load.stats.abandoned} abandoned by the client, ${load.stats.refused} refused (429/5xx); runs: ${runs.length} sent, ${acknowledged.length} acknowledged, ` +
      `${stored.length} stored, ${unanswered.length} unanswered after the load (half of them re-posted), ${reposted} re-posted runs were stored already; ` +
      `${reads.ok} lead time reads; restarts took ${startMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s\n`,
  );
}
