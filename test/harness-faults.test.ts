// Upstream faults against the fake Harness NG, through real syncs (SyncService, worker, database; only the
// upstream is fake): 429 bursts with and without Retry-After, 5xx storms, timeouts, truncated bodies, a key
// revoked mid-sync, executions inserted and deleted while paging. After a sync that finishes, the store holds
// exactly what the fake holds (no duplicate, no gap); after one that stops, the sync status says why, nothing
// is half-written, and the next sync completes with no gap. Executions deleted upstream after they were
// stored are kept as history (the product never deletes runs it synced); the checks account for them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import type { RequestLogEntry } from './fakes/harness/server.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { STORES } from './helpers/db.js';
import { countingTime, expectStopped, failedStreams, syncNow, type CountingTime } from './helpers/fault-sync.js';
import { startServer, type TestServer } from './helpers/server.js';
import { soak } from './helpers/soak.js';

const MINUTE = 60_000;
// Short enough that a stalled answer costs little real time, long enough for a loaded 2-core machine.
const REQUEST_TIMEOUT_MS = 1_000;
const STALL_MS = 3_000;
const SUMMARY = '/execution/summary';
const isSummary = (r: RequestLogEntry): boolean => r.path.endsWith(SUMMARY);

describe.each(STORES)('Harness NG upstream faults on %s', (kind) => {
  let fake: FakeHarness;
  let time: CountingTime;
  let s: TestServer;
  let id: string;
  let token: string;
  /** Executions stored and then deleted upstream: kept as history, with the status last seen. */
  const kept = new Map<string, string>();

  beforeAll(async () => {
    fake = await startFakeHarness({
      seed: 29,
      days: soak(8, 40),
      executionsPerDay: soak(3, 10),
      orgCount: soak(1, 2),
      runningAtStart: 2,
    });
    time = countingTime(() => fake.now());
    s = await startServer(kind, {
      connectors: [harnessConnector as Connector<never>],
      clock: time.clock,
      sleep: time.sleep,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    token = fake.addKey(); // its own key: revoking it leaves the oracle's alone
    const created = await s.api('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'Harness faults',
      settings: { url: fake.url, api_key: token, account_id: fake.accountId, history_days: 400 },
    });
    expect(created.status, created.text).toBe(201);
    id = created.body.id;
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });
  afterEach(() => {
    fake.onRequest(null);
    fake.clearFaults();
  });

  const stored = () =>
    s.db.query<{ run_key: string; result_raw: string }>(
      `SELECT run_key, result_raw FROM cicd_runs WHERE tenant_id = 'acme' AND integration_id = $1`,
      [id],
    );

  /** The store holds exactly the fake's executions (key and status), plus the deleted ones kept as history. */
  const expectMirrorsUpstream = async () => {
    const rows = await stored();
    const keys = rows.map((r) => r.run_key);
    expect(keys.length - new Set(keys).size, 'duplicate runs').toBe(0);
    const upstream = fake.executions().map((e) => `${e.planExecutionId}:${e.status}`);
    const history = [...kept].map(([key, status]) => `${key}:${status}`);
    expect(rows.map((r) => `${r.run_key}:${r.result_raw}`).sort()).toEqual([...upstream, ...history].sort());
    await expectWholePages();
    return upstream.length;
  };

  /** Nothing half-written: every run has its raw record, and none is ahead of its project's saved cursor. */
  const expectWholePages = async () => {
    const orphans = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cicd_runs r WHERE r.integration_id = $1 AND NOT EXISTS (
         SELECT 1 FROM connector_records c WHERE c.tenant_id = r.tenant_id AND c.integration_id = r.integration_id
           AND c.stream = 'executions' AND c.record_key = r.run_key)`,
      [id],
    );
    expect(orphans[0]!.n).toBe(0);
    const ahead = await s.db.query<{ scope: string }>(
      `SELECT c.scope FROM sync_cursors c WHERE c.integration_id = $1 AND c.stream = 'executions' AND c.scope <> '*'
         AND EXISTS (SELECT 1 FROM cicd_runs r WHERE r.integration_id = c.integration_id AND r.project_name = c.scope
           AND r.start_time > to_timestamp((c.cursor->>'since')::double precision / 1000))`,
      [id],
    );
    expect(ahead).toEqual([]);
  };

  /** New executions over `minutes` of the fake's clock, on every project, so each sync has work. */
  const moreHistory = (minutes: number) => {
    for (let i = 0; i < minutes; i += 10) {
      fake.advance(10 * MINUTE);
      fake.tick(1);
    }
  };

  /** Runs `act` when the `n`th execution-summary request arrives (that one included): mid-stream. */
  const afterSummaries = (n: number, act: () => void) => {
    let seen = 0;
    fake.onRequest((r) => {
      if (isSummary(r) && ++seen === n) act();
    });
  };

  it('makes a first sync under a burst of 429 without Retry-After: backs off and finishes', async () => {
    fake.failNext(6, { status: 429 }); // fewer than the 7 attempts a request may make
    const before = time.slept();
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(await expectMirrorsUpstream()).toBeGreaterThan(30);
    expect(fake.requests().filter((r) => r.status === 429)).toHaveLength(6);
    // Backed off (at least the 1 s equal-jitter floor per retry), on the virtual clock.
    expect(time.slept() - before).toBeGreaterThanOrEqual(6 * 1_000);
  });

  it('rides out a 429 burst with Retry-After (waiting as long as asked) and a 5xx storm within the retry budget', async () => {
    moreHistory(60);
    fake.clearRequests();
    afterSummaries(1, () => {
      fake.failNext(3, { status: 429, retryAfterSeconds: 90, pathIncludes: SUMMARY });
      fake.failNext(1, { status: 500, pathIncludes: SUMMARY });
      fake.failNext(2, { status: 502, pathIncludes: SUMMARY });
      fake.failNext(1, { status: 503, pathIncludes: SUMMARY });
    });
    const before = time.slept();
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(fake.requests().filter((r) => r.status === 429)).toHaveLength(3);
    expect(fake.requests().filter((r) => r.status >= 500)).toHaveLength(4);
    expect(time.slept() - before).toBeGreaterThanOrEqual(3 * 90_000);
    await expectMirrorsUpstream();
  });

  it('stops with upstream_rate_limited when Retry-After is longer than the client waits, then resumes with no gap', async () => {
    moreHistory(60);
    afterSummaries(2, () => fake.failNext(1_000, { status: 429, retryAfterSeconds: 3_600 }));
    const before = time.slept();
    const job = await syncNow(s, id);
    const [executions] = expectStopped(job, 'upstream_rate_limited');
    expect(executions!.stream).toBe('executions');
    expect(executions!.error!.message).toMatch(/asked to wait 3600 s, longer than the 300 s we wait at most/);
    expect(time.slept() - before).toBeLessThan(3_600_000); // gave up instead of waiting an hour
    await expectWholePages();
    fake.clearFaults();
    fake.onRequest(null);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('stops with upstream_unavailable on a 5xx storm longer than the retry budget; the next sync has no gap', async () => {
    moreHistory(120);
    afterSummaries(3, () => fake.failNext(1_000, { status: 503 }));
    const job = await syncNow(s, id);
    const [executions] = expectStopped(job, 'upstream_unavailable');
    expect(executions!.error!.message).toMatch(/Harness answered 503/);
    expect(executions!.pages).toBeGreaterThan(0); // stopped part-way, keeping what it stored
    await expectWholePages();
    fake.clearFaults();
    fake.onRequest(null);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('retries an answer slower than the timeout, and stops with upstream_timeout when Harness stalls', async () => {
    moreHistory(60);
    fake.clearRequests();
    // Two answers stall past the client's timeout, then Harness is quick again.
    const slowed: number[] = [];
    fake.onRequest((r) => {
      const slow = isSummary(r) && slowed.length < 1;
      if (slow) slowed.push(r.seq);
      fake.setLatency(slow ? STALL_MS : 0);
    });
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(slowed).toHaveLength(1);
    // Each stalled request was sent again (same query and body), so the timeout did cut it short.
    const log = fake.requests();
    const same = (a: RequestLogEntry, b: RequestLogEntry) =>
      JSON.stringify([a.query, a.body]) === JSON.stringify([b.query, b.body]);
    for (const seq of slowed) {
      const stalled = log.find((r) => r.seq === seq)!;
      expect(log.some((r) => r.seq > seq && isSummary(r) && same(r, stalled))).toBe(true);
    }
    await expectMirrorsUpstream();

    // Now every execution summary stalls: the stream stops after its attempts, with a clear code.
    moreHistory(30);
    fake.onRequest((r) => fake.setLatency(isSummary(r) ? STALL_MS : 0));
    const stalled = await syncNow(s, id);
    const [executions] = expectStopped(stalled, 'upstream_timeout');
    expect(executions!.error!.message).toMatch(new RegExp(`did not answer .* within ${REQUEST_TIMEOUT_MS} ms`));
    fake.onRequest(null);
    fake.setLatency(0);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('retries a connection dropped mid-body; a truncated JSON body stops the stream clearly, with no gap after', async () => {
    moreHistory(60);
    fake.clearRequests();
    afterSummaries(1, () => fake.truncateNext(2, 'socket'));
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    await expectMirrorsUpstream();

    moreHistory(120);
    afterSummaries(3, () => fake.truncateNext(1, 'json'));
    const truncated = await syncNow(s, id);
    const [executions] = expectStopped(truncated, 'upstream_bad_response');
    expect(executions!.error!.message).toMatch(/not valid JSON/);
    await expectWholePages();
    fake.onRequest(null);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('stops with upstream_unauthorized when the key is revoked mid-sync; with a new key the next sync has no gap', async () => {
    moreHistory(120);
    afterSummaries(3, () => fake.revokeToken(token));
    const job = await syncNow(s, id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('upstream_unauthorized');
    expect(job.error?.message).toMatch(/Token is not valid\..*credentials are invalid or expired/);
    expect(failedStreams(job)).toEqual(['executions:upstream_unauthorized']);
    const executions = job.streams.find((x) => x.stream === 'executions')!;
    expect(executions.pages).toBeGreaterThan(0);
    await expectWholePages();
    const status = await s.api('GET', `/v1/integrations/${id}/sync`);
    expect(status.text).not.toContain(token);

    // A second sync with the revoked key stops at once, saying the same.
    fake.onRequest(null);
    const again = await syncNow(s, id);
    expect(again.error?.code).toBe('upstream_unauthorized');

    token = fake.addKey();
    const patched = await s.api('PATCH', `/v1/integrations/${id}`, { settings: { api_key: token } });
    expect(patched.status, patched.text).toBe(200);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('executions inserted and deleted while paging: no duplicate, nothing missed that still exists', async () => {
    // Enough new executions in one project for several pages (100 each) of the next window.
    const pipeline = fake.data.pipelines.find((p) => p.flavor === 'build')!;
    const project = { org: pipeline.org, project: pipeline.project, pipeline: pipeline.identifier };
    const pages = soak(2, 6);
    for (let i = 0; i < pages * 100 - 30; i++) {
      fake.advance(MINUTE);
      fake.addExecution({ ...project, durationMs: 20_000 });
    }
    fake.advance(MINUTE);
    const scope = `${project.org}/${project.project}`;
    const mine = () =>
      fake
        .executions({ org: project.org, project: project.project })
        .sort((a, b) => a.startTs - b.startTs || (a.planExecutionId < b.planExecutionId ? -1 : 1));
    const deletedSeen: string[] = [];
    const deletedUnseen: string[] = [];
    const inserted: string[] = [];
    let windowRequests = 0;
    let firstStart = 0;
    fake.onRequest((r) => {
      const q = r.query;
      const range = (r.body as { timeRange?: { startTime: number } } | undefined)?.timeRange;
      if (!isSummary(r) || range === undefined || `${q['orgIdentifier']}/${q['projectIdentifier']}` !== scope) return;
      if (++windowRequests === 1) firstStart = range.startTime;
      if (windowRequests !== 2) return;
      // The window's first page (100, oldest first) has been answered; the second is being asked for.
      const window = mine().filter((e) => e.startTs >= firstStart);
      const read = window.slice(0, 100);
      // Three executions already read, and one the scan has not reached, go away; two new ones start.
      for (const e of [read[5]!, read[40]!, read[70]!]) {
        deletedSeen.push(e.planExecutionId);
        kept.set(e.planExecutionId, e.status);
        fake.deleteExecution(e.planExecutionId);
      }
      const ahead = window.at(-5)!;
      deletedUnseen.push(ahead.planExecutionId);
      fake.deleteExecution(ahead.planExecutionId);
      for (let i = 0; i < 2; i++) inserted.push(fake.addExecution({ ...project, durationMs: 20_000 }).planExecutionId);
    });
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(windowRequests).toBeGreaterThanOrEqual(2);
    expect(deletedSeen).toHaveLength(3);
    expect(deletedUnseen).toHaveLength(1);
    fake.onRequest(null);
    // Nothing that still exists was missed, inserted ones aside (the next sync must bring them).
    const rows = new Map((await stored()).map((r) => [r.run_key, r.result_raw]));
    const missing = fake
      .executions()
      .filter((e) => !inserted.includes(e.planExecutionId) && rows.get(e.planExecutionId) !== e.status)
      .map((e) => e.planExecutionId);
    expect(missing).toEqual([]);
    expect(rows.has(deletedUnseen[0]!)).toBe(false);
    for (const key of deletedSeen) expect(rows.has(key)).toBe(true); // kept as history
    // The next incremental sync picks up what was inserted while paging: exactly the upstream, no gap.
    fake.advance(MINUTE);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });
});
