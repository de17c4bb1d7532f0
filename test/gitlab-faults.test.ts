// Upstream faults against the fake GitLab, through real syncs (SyncService, worker, database; only the
// upstream is fake): 429 bursts with and without Retry-After, 5xx storms, timeouts, truncated bodies, a token
// revoked mid-sync, pipelines inserted and deleted while paging. After a sync that finishes, the store holds
// exactly what GitLab answers (pipelines and deployments as runs, merge requests: no duplicate, no gap); after
// one that stops, the sync status says why, and the next sync completes with no gap. Pipelines deleted
// upstream after they were stored are kept as history (the product never deletes what it synced); the checks
// account for them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { startFakeGitLab, type FakeGitLab, type RequestLogEntry } from './fakes/gitlab/server.js';
import { STORES } from './helpers/db.js';
import { countingTime, expectStopped, failedStreams, syncNow, type CountingTime } from './helpers/fault-sync.js';
import { startServer, type TestServer } from './helpers/server.js';
import { soak } from './helpers/soak.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REQUEST_TIMEOUT_MS = 1_000;
const STALL_MS = 3_000;
const HISTORY_DAYS = 30;
const PROJECT = 'acme/checkout-api';
/** A project's pipeline list (not a pipeline's detail or jobs). */
const isPipelineList = (r: RequestLogEntry): boolean => /\/projects\/[^/]+\/pipelines$/.test(r.path);

interface Row {
  id: number;
  status: string;
  updated_at: string;
}

describe.each(STORES)('GitLab upstream faults on %s', (kind) => {
  let fake: FakeGitLab;
  let time: CountingTime;
  let s: TestServer;
  let id: string;
  let token: string;
  /** Runs stored and then deleted upstream: kept as history, as `run_key:status`. */
  const kept = new Set<string>();

  beforeAll(async () => {
    fake = await startFakeGitLab({
      seed: 17,
      days: soak(4, 20),
      pipelinesPerDay: soak(2, 6),
      groups: soak(1, 3),
      // The oracle reads as the same user as the sync: keep GitLab's own limit out of the way (429s are queued).
      rateLimitPerMinute: 1_000_000,
    });
    time = countingTime(() => fake.now());
    s = await startServer(kind, {
      connectors: [gitlabConnector as Connector<never>],
      clock: time.clock,
      sleep: time.sleep,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    token = fake.addToken({ scopes: ['read_api'] }); // its own token: revoking it leaves the oracle's alone
    const created = await s.api('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'GitLab faults',
      settings: { url: fake.url, token, exclude_projects: 'data/dashboards', history_days: HISTORY_DAYS },
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

  /** Every row of a list endpoint, as GitLab answers it (with the oracle's own token). */
  async function upstream<T>(path: string, query: Record<string, string> = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = '1'; page !== '';) {
      const q = new URLSearchParams({ ...query, per_page: '100', page });
      const res = await fetch(`${fake.apiUrl}${path}?${q}`, { headers: { 'PRIVATE-TOKEN': fake.token } });
      expect(res.status, path).toBe(200);
      out.push(...((await res.json()) as T[]));
      page = res.headers.get('x-next-page') ?? '';
    }
    return out;
  }

  const storedRuns = async () =>
    (
      await s.db.query<{ k: string }>(
        `SELECT run_key || ':' || result_raw AS k FROM cicd_runs WHERE tenant_id = 'acme' AND integration_id = $1`,
        [id],
      )
    ).map((r) => r.k);

  /** The store holds exactly what GitLab answers (plus the deleted runs kept as history), without duplicates. */
  const expectMirrorsUpstream = async () => {
    fake.onRequest(null);
    fake.clearFaults();
    const projects = (
      await upstream<{ id: number; path_with_namespace: string }>('/projects', { membership: 'true' })
    ).filter((p) => p.path_with_namespace !== 'data/dashboards');
    const since = new Date(fake.now() - HISTORY_DAYS * 24 * HOUR).toISOString();
    const runs: string[] = [];
    const mrs: string[] = [];
    for (const p of projects) {
      for (const x of await upstream<Row>(`/projects/${p.id}/pipelines`, { updated_after: since }))
        runs.push(`pipeline:${x.id}:${x.status}`);
      for (const x of await upstream<Row>(`/projects/${p.id}/deployments`, {
        updated_after: since,
        order_by: 'updated_at',
      }))
        runs.push(`deployment:${x.id}:${x.status}`);
      for (const x of await upstream<{ iid: number; state: string }>(`/projects/${p.id}/merge_requests`, {
        updated_after: since,
        state: 'all',
      }))
        mrs.push(`${p.id}!${x.iid}:${x.state}`);
    }
    const stored = await storedRuns();
    expect(stored.length - new Set(stored.map((k) => k.replace(/:[^:]*$/, ''))).size, 'duplicate runs').toBe(0);
    expect(stored.sort()).toEqual([...runs, ...kept].sort());
    const storedMrs = await s.db.query<{ k: string }>(
      `SELECT repo_key || '!' || mr_key || ':' || state AS k FROM scm_merge_requests WHERE integration_id = $1`,
      [id],
    );
    expect(storedMrs.map((r) => r.k).sort()).toEqual(mrs.sort());
    await expectWholePages();
    return { runs: runs.length, mrs: mrs.length };
  };

  /** Nothing half-written: every pipeline and deployment run has the raw record it was made from. */
  const expectWholePages = async () => {
    const orphans = await s.db.query<{ run_key: string }>(
      `SELECT r.run_key FROM cicd_runs r WHERE r.integration_id = $1 AND NOT EXISTS (
         SELECT 1 FROM connector_records c WHERE c.tenant_id = r.tenant_id AND c.integration_id = r.integration_id
           AND c.stream IN ('pipelines', 'deployments')
           AND split_part(c.record_key, CASE WHEN c.stream = 'pipelines' THEN '#' ELSE '@' END, 2)
             = split_part(r.run_key, ':', 2))`,
      [id],
    );
    expect(orphans).toEqual([]);
  };

  /** Time passes: pipelines finish, merge requests move, new work appears. */
  const later = (ms = HOUR) => fake.advance(ms);

  /** Runs `act` when the `n`th pipeline list request arrives (that one included): mid-sync. */
  const afterPipelineLists = (n: number, act: () => void) => {
    let seen = 0;
    fake.onRequest((r) => {
      if (isPipelineList(r) && ++seen === n) act();
    });
  };

  it('makes a first sync under a burst of 429 without Retry-After: backs off and finishes', async () => {
    fake.failNext(6, { status: 429 }); // fewer than the 7 attempts a request may make
    const before = time.slept();
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    const counts = await expectMirrorsUpstream();
    expect(counts.runs).toBeGreaterThan(10);
    expect(counts.mrs).toBeGreaterThan(0);
    expect(fake.requests().filter((r) => r.status === 429)).toHaveLength(6);
    expect(time.slept() - before).toBeGreaterThanOrEqual(6 * 1_000);
  });

  it('rides out a 429 burst with Retry-After (waiting as long as asked) and a 5xx storm within the retry budget', async () => {
    later();
    fake.clearRequests();
    afterPipelineLists(1, () => {
      fake.failNext(3, { status: 429, retryAfterSeconds: 90, pathIncludes: '/pipelines' });
      fake.failNext(1, { status: 500, pathIncludes: '/pipelines' });
      fake.failNext(2, { status: 502, pathIncludes: '/pipelines' });
      fake.failNext(1, { status: 503, pathIncludes: '/pipelines' });
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
    later();
    afterPipelineLists(2, () => fake.failNext(100_000, { status: 429, retryAfterSeconds: 3_600 }));
    const before = time.slept();
    const job = await syncNow(s, id);
    const failed = expectStopped(job, 'upstream_rate_limited');
    expect(failed[0]!.stream).toBe('pipelines');
    expect(failed[0]!.error!.message).toMatch(/asked to wait 3600 s, longer than the 300 s we wait at most/);
    expect(time.slept() - before).toBeLessThan(3_600_000); // gave up instead of waiting an hour
    await expectWholePages();
    fake.onRequest(null);
    fake.clearFaults();
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('stops with upstream_unavailable on a 5xx storm longer than the retry budget; the next sync has no gap', async () => {
    later(2 * HOUR);
    afterPipelineLists(2, () => fake.failNext(100_000, { status: 503, pathIncludes: '/pipelines' }));
    const job = await syncNow(s, id);
    expect(failedStreams(job)).toEqual(['pipelines:upstream_unavailable']);
    const [pipelines] = expectStopped(job, 'upstream_unavailable');
    expect(pipelines!.error!.message).toMatch(/GitLab answered 503/);
    expect(job.status).toBe('partial'); // the other streams finished
    await expectWholePages();
    fake.onRequest(null);
    fake.clearFaults();
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('retries an answer slower than the timeout, and stops with upstream_timeout when GitLab stalls', async () => {
    later();
    fake.clearRequests();
    const slowed: number[] = [];
    fake.onRequest((r) => {
      const slow = isPipelineList(r) && slowed.length < 1;
      if (slow) slowed.push(r.seq);
      fake.setLatency(slow ? STALL_MS : 0);
    });
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(slowed).toHaveLength(1);
    // Each stalled request was sent again, so the timeout did cut it short.
    const log = fake.requests();
    for (const seq of slowed) {
      const stalled = log.find((r) => r.seq === seq)!;
      const again = log.filter((r) => r.seq > seq && r.path === stalled.path);
      expect(again.some((r) => JSON.stringify(r.query) === JSON.stringify(stalled.query))).toBe(true);
    }
    await expectMirrorsUpstream();

    // Every pipeline list stalls now: that stream stops after its attempts, with a clear code.
    later();
    fake.onRequest((r) => fake.setLatency(isPipelineList(r) ? STALL_MS : 0));
    const stalled = await syncNow(s, id);
    expect(failedStreams(stalled)).toEqual(['pipelines:upstream_timeout']);
    const [pipelines] = expectStopped(stalled, 'upstream_timeout');
    expect(pipelines!.error!.message).toMatch(new RegExp(`did not answer .* within ${REQUEST_TIMEOUT_MS} ms`));
    fake.onRequest(null);
    fake.setLatency(0);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('retries a connection dropped mid-body; a truncated JSON body stops the stream clearly, with no gap after', async () => {
    later();
    afterPipelineLists(1, () => fake.truncateNext(2, 'socket'));
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    await expectMirrorsUpstream();

    later();
    afterPipelineLists(2, () => fake.truncateNext(1, 'json'));
    const truncated = await syncNow(s, id);
    const failed = expectStopped(truncated, 'upstream_bad_response');
    expect(failed[0]!.error!.message).toMatch(/not valid JSON/);
    await expectWholePages();
    fake.onRequest(null);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('stops with upstream_unauthorized when the token is revoked mid-sync; with a new token the next sync has no gap', async () => {
    later();
    afterPipelineLists(2, () => fake.revokeToken(token));
    const job = await syncNow(s, id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('upstream_unauthorized');
    expect(job.error?.message).toMatch(/Token was revoked.*credentials are invalid or expired/);
    expect(failedStreams(job)).toEqual(['pipelines:upstream_unauthorized']);
    // The streams after it did not run: no point asking with a refused token.
    const after = job.streams.slice(job.streams.findIndex((x) => x.stream === 'pipelines') + 1);
    expect(after.map((x) => x.status)).toEqual(after.map(() => 'skipped'));
    await expectWholePages();
    const status = await s.api('GET', `/v1/integrations/${id}/sync`);
    expect(status.text).not.toContain(token);

    token = fake.addToken({ scopes: ['read_api'] });
    const patched = await s.api('PATCH', `/v1/integrations/${id}`, { settings: { token } });
    expect(patched.status, patched.text).toBe(200);
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });

  it('pipelines inserted and deleted while paging: no duplicate, nothing missed that still exists', async () => {
    const project = fake.project(PROJECT);
    later();
    const added = soak(150, 450);
    for (let i = 0; i < added; i++) {
      fake.addPipeline(PROJECT);
      fake.advance(MINUTE);
    }
    later(); // they all finish
    // The project's pipelines oldest change first, as the sync pages them (the clock stands still meanwhile).
    const all = await upstream<Row>(`/projects/${project.id}/pipelines`, {
      updated_after: new Date(fake.now() - 2 * (added + 120) * MINUTE).toISOString(),
      order_by: 'updated_at',
      sort: 'asc',
    });
    const key = (x: Row) => `pipeline:${x.id}:${x.status}`;
    expect(all.length).toBeGreaterThanOrEqual(added);
    const deletedSeen: string[] = [];
    const deletedUnseen: number[] = [];
    const inserted: number[] = [];
    let lists = 0;
    let window: Row[] = [];
    fake.onRequest((r) => {
      if (r.path === `/api/v4/projects/${project.id}/pipelines`) {
        if (++lists === 1) window = all.filter((x) => x.updated_at >= String(r.query['updated_after']));
        if (lists !== 2) return;
        // The first page (100, oldest change first) has been answered; the next is being asked for. Three
        // pipelines already read and one far ahead go away; two new ones start.
        for (const x of [window[5]!, window[40]!, window[70]!]) {
          deletedSeen.push(key(x));
          kept.add(key(x));
          fake.deletePipeline(PROJECT, x.id);
        }
        deletedUnseen.push(window.at(-3)!.id);
        fake.deletePipeline(PROJECT, window.at(-3)!.id);
        for (let i = 0; i < 2; i++) inserted.push(fake.addPipeline(PROJECT).id);
      } else if (r.path === `/api/v4/projects/${project.id}/pipelines/${window[140]?.id}`) {
        // Listed on the page being expanded, and deleted before its own detail is asked for.
        deletedUnseen.push(window[145]!.id);
        fake.deletePipeline(PROJECT, window[145]!.id);
      }
    });
    const job = await syncNow(s, id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(deletedSeen).toHaveLength(3);
    fake.onRequest(null);
    const stored = new Set(await storedRuns());
    for (const k of deletedSeen) expect(stored.has(k)).toBe(true); // kept as history
    expect(deletedUnseen).toHaveLength(2);
    for (const gone of deletedUnseen) expect([...stored].some((k) => k.startsWith(`pipeline:${gone}:`))).toBe(false);
    // Nothing that still exists was missed, the ones inserted while paging aside (the next sync brings them).
    const live = await upstream<Row>(`/projects/${project.id}/pipelines`, {
      updated_after: new Date(fake.now() - HISTORY_DAYS * 24 * HOUR).toISOString(),
    });
    const missing = live.filter((x) => !inserted.includes(x.id) && !stored.has(key(x))).map(key);
    expect(missing).toEqual([]);
    later();
    expect((await syncNow(s, id)).status).toBe('succeeded');
    await expectMirrorsUpstream();
  });
});
