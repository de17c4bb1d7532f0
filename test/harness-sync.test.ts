import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

const HOUR = 3_600_000;

describe.each(STORES)('Harness NG sync on %s', (kind) => {
  let fake: FakeHarness;
  let s: TestServer;
  let id: string;

  beforeAll(async () => {
    fake = await startFakeHarness({ seed: 11, days: 5, executionsPerDay: 3, orgCount: 2, runningAtStart: 3 });
    s = await startServer(kind, {
      connectors: [harnessConnector as Connector<never>],
      // Our side's time: the fake's clock plus whatever we slept (sleeping costs no real time).
      ...virtualTime(() => fake.now()),
    });
    const created = await s.api('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'Harness cloud',
      settings: { url: fake.url, api_key: fake.token, account_id: fake.accountId, history_days: 30 },
    });
    id = created.body.id;
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });
  afterEach(() => fake.clearFaults());

  const sync = async (mode: 'incremental' | 'full' = 'incremental') => {
    const queued = await s.api('POST', `/v1/integrations/${id}/sync`, { mode });
    expect(queued.status).toBe(202);
    await s.worker.runNext();
    return (await s.api('GET', `/v1/sync/jobs/${queued.body.id}`)).body;
  };

  const stored = async () =>
    s.db.query<{ run_key: string; result: string; end_time: Date | null }>(
      `SELECT run_key, result, end_time FROM cicd_runs WHERE tenant_id = 'acme' AND integration_id = $1 ORDER BY run_key`,
      [id],
    );

  const expectMirrorsUpstream = async () => {
    const upstream = fake.executions();
    const rows = await stored();
    expect(rows.map((r) => r.run_key)).toEqual(upstream.map((e) => e.planExecutionId).sort());
    const byKey = new Map(upstream.map((e) => [e.planExecutionId, e.status]));
    const running = rows.filter((r) => r.result === 'running').map((r) => r.run_key);
    expect(running.sort()).toEqual(
      upstream
        .filter((e) => ['Running', 'ApprovalWaiting', 'NotStarted'].includes(e.status))
        .map((e) => e.planExecutionId)
        .sort(),
    );
    expect(rows.every((r) => byKey.has(r.run_key))).toBe(true);
  };

  it('makes a first full sync of every project, as runs in the shared read API', async () => {
    const job = await sync();
    expect(job.status).toBe('succeeded');
    expect(job.streams.map((x: { stream: string; status: string }) => [x.stream, x.status])).toEqual([
      ['organizations', 'succeeded'],
      ['projects', 'succeeded'],
      ['executions', 'succeeded'],
    ]);
    await expectMirrorsUpstream();
    const executions = job.streams.find((x: { stream: string }) => x.stream === 'executions');
    expect(executions.records).toBe(fake.executions().length);

    const cd = fake.executions().find((e) => e.moduleInfo?.cd !== undefined && e.status === 'Success')!;
    const list = await s.api('GET', `/v1/cicd/runs?pipeline=${cd.pipelineIdentifier}&limit=1000`);
    const run = list.body.runs.find((r: { run_key: string }) => r.run_key === cd.planExecutionId);
    const detail = await s.api('GET', `/v1/cicd/runs/${run.id}`);
    expect(detail.body).toMatchObject({
      source: 'harnessng',
      instance_guid: null,
      cd: true,
      result: 'success',
      result_raw: 'Success',
      project_name: `${cd.orgIdentifier}/${cd.projectIdentifier}`,
      start_time: new Date(cd.startTs).toISOString(),
    });
    expect(detail.body.stages.length).toBeGreaterThan(0);
    expect(detail.body.deploy_targets.length).toBeGreaterThan(0);
    expect(detail.body.deploy_targets[0].environment_type).toMatch(/Production|PreProduction/);

    const ci = fake.executions().find((e) => e.moduleInfo?.ci !== undefined)!;
    const ciRun = (
      await s.db.query<{ id: string }>(`SELECT id::text AS id FROM cicd_runs WHERE run_key = $1`, [ci.planExecutionId])
    )[0]!;
    const ciDetail = await s.api('GET', `/v1/cicd/runs/${ciRun.id}`);
    expect(ciDetail.body.ci).toBe(true);
    expect(ciDetail.body.commits.length).toBeGreaterThan(0);
    expect(ciDetail.body.commits[0].sha).toMatch(/^[0-9a-f]{40}$/);
    expect(ciDetail.body.branch_name).not.toBeNull();
  });

  it('syncs incrementally: only new and still-running executions are fetched, running ones finish', async () => {
    fake.clearRequests();
    fake.advance(2 * HOUR);
    fake.tick(4);
    const job = await sync();
    expect(job.status).toBe('succeeded');
    await expectMirrorsUpstream();
    const summaries = fake.requests().filter((r) => r.path.endsWith('/execution/summary'));
    for (const r of summaries) {
      const body = r.body as { timeRange?: { startTime: number }; planExecutionIds?: string[] };
      // Either a revisit of running executions by id, or a window starting near the last sync.
      if (body.planExecutionIds === undefined) {
        expect(body.timeRange!.startTime, JSON.stringify(r.query)).toBeGreaterThan(fake.now() - 4 * HOUR);
      }
    }
    const executionsStream = job.streams.find((x: { stream: string }) => x.stream === 'executions');
    expect(executionsStream.records).toBeLessThan(fake.executions().length / 2);
  });

  it('with nothing changed, asks once per project: organizations and projects are listed once for all streams, then not again for hours', async () => {
    fake.clearRequests();
    await sync('full'); // a full sync always lists
    const listing = fake.requests();
    const orgs = new Set(fake.data.projects.map((p) => p.org));
    expect(listing.filter((r) => r.path === '/v1/orgs')).toHaveLength(1);
    expect(listing.filter((r) => /^\/v1\/orgs\/[^/]+\/projects$/.test(r.path))).toHaveLength(orgs.size);

    fake.clearRequests();
    const job = await sync();
    expect(job.status).toBe('succeeded');
    const requests = fake.requests();
    expect(requests.filter((r) => !r.path.endsWith('/execution/summary'))).toEqual([]);
    const summaries = requests.filter((r) => r.path.endsWith('/execution/summary'));
    const windows = summaries.filter((r) => (r.body as { timeRange?: unknown }).timeRange !== undefined);
    expect(windows.map((r) => `${r.query['orgIdentifier']}/${r.query['projectIdentifier']}`).sort()).toEqual(
      fake.data.projects.map((p) => `${p.org}/${p.identifier}`).sort(),
    );
    // Asked for by id: only executions still running that started long before the last sync.
    const revisited = summaries.flatMap((r) => (r.body as { planExecutionIds?: string[] }).planExecutionIds ?? []);
    const startOf = new Map(fake.executions().map((e) => [e.planExecutionId, e.startTs]));
    for (const key of revisited) expect(startOf.get(key)!).toBeLessThan(fake.now() - HOUR);
    await expectMirrorsUpstream();

    // Hours later the listing is done again, once.
    fake.advance(7 * HOUR);
    fake.clearRequests();
    expect((await sync()).status).toBe('succeeded');
    expect(fake.requests().filter((r) => r.path === '/v1/orgs')).toHaveLength(1);
  });

  it('rides out 429 bursts with and without Retry-After, and 5xx storms', async () => {
    fake.advance(HOUR);
    fake.tick(3);
    fake.failNext(3, { status: 429 });
    fake.failNext(2, { status: 429, retryAfterSeconds: 1 });
    fake.failNext(3, { status: 503 });
    const job = await sync();
    expect(job.status).toBe('succeeded');
    await expectMirrorsUpstream();
    expect(fake.requests().filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(5);
  });

  it('resumes after a sync that broke mid-way, with no duplicate and no gap', async () => {
    fake.advance(HOUR);
    fake.tick(6);
    // Truncated bodies, more than the client retries: the executions stream dies part-way.
    fake.truncateNext(50, 'json');
    const broken = await sync();
    expect(broken.status).not.toBe('succeeded');
    fake.clearFaults();
    const resumed = await sync();
    expect(resumed.status).toBe('succeeded');
    await expectMirrorsUpstream();
    const dupes = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT run_key FROM cicd_runs WHERE integration_id = $1 GROUP BY run_key HAVING count(*) > 1) d`,
      [id],
    );
    expect(dupes[0]!.n).toBe(0);
  });

  it('stops with a clear status when the token is revoked, and reports it in the sync status', async () => {
    const other = await s.api('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'Harness revoked',
      settings: { url: fake.url, api_key: fake.addKey(), account_id: fake.accountId },
    });
    const token = (await s.sync['deps'].integrations.settingsOf(s.db, 'acme', other.body.id))['api_key'] as string;
    fake.revokeToken(token);
    const queued = await s.api('POST', `/v1/integrations/${other.body.id}/sync`, {});
    await s.worker.runNext();
    const status = await s.api('GET', `/v1/integrations/${other.body.id}/sync`);
    expect(status.status).toBe(200);
    const last = status.body.history[0];
    expect(last.id).toBe(queued.body.id);
    expect(last.status).toBe('failed');
    expect(last.error.code).toBe('upstream_unauthorized');
    expect(last.streams.map((x: { status: string }) => x.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(status.body.last_success).toBeNull();
    expect(status.text).not.toContain(token);
  });

  it('stops with a clear status when the token is revoked in the middle of a sync', async () => {
    const token = fake.addKey();
    const other = await s.api('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'Harness revoked mid-sync',
      settings: { url: fake.url, api_key: token, account_id: fake.accountId, history_days: 30 },
    });
    await s.api('POST', `/v1/integrations/${other.body.id}/sync`, {});
    fake.clearRequests();
    fake.setLatency(15);
    const running = s.worker.runNext();
    // Revoke once the executions stream has fetched a page: ordering, not timing.
    while (!fake.requests().some((r) => r.path.endsWith('/execution/summary') && r.status === 200)) {
      await new Promise((r) => setTimeout(r, 2));
    }
    fake.revokeToken(token);
    await running;
    const status = (await s.api('GET', `/v1/integrations/${other.body.id}/sync`)).body;
    const job = status.history[0];
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('upstream_unauthorized');
    const executions = job.streams.find((x: { stream: string }) => x.stream === 'executions');
    expect(executions.status).toBe('failed');
    expect(executions.pages).toBeGreaterThan(0);
    // What was stored before the revocation stays, consistent with its cursor.
    const stored = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1`,
      [other.body.id],
    );
    expect(stored[0]!.n).toBe(executions.records);
  });

  it('answers the running or queued job instead of queueing a second one', async () => {
    const a = await s.api('POST', `/v1/integrations/${id}/sync`); // no body at all, as `curl -X POST` sends
    const b = await s.api('POST', `/v1/integrations/${id}/sync`, { mode: 'full' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    await s.worker.runNext();
    const status = await s.api('GET', `/v1/integrations/${id}/sync`);
    expect(status.body.active).toBeNull();
    expect(status.body.last_success.id).toBe(a.body.id);
    expect(status.body.next_sync_at).not.toBeNull();
  });

  it('full resync rebuilds the same rows', async () => {
    const before = await stored();
    const job = await sync('full');
    expect(job.status).toBe('succeeded');
    expect(await stored()).toEqual(before);
  });

  it('replay rebuilds exactly the same domain rows from the raw records', async () => {
    const snapshot = async () => {
      const runs = await s.db.query(
        `SELECT run_key, pipeline, job_full_name, qualified_name, project_name, user_id, repo_url, build_number,
           branch_name, module_name, result, result_raw, start_time, end_time, duration_ms, ci, cd, web_url,
           trigger_type, trigger_chain
         FROM cicd_runs WHERE tenant_id = 'acme' AND integration_id = $1 ORDER BY run_key`,
        [id],
      );
      const children = await s.db.query(
        `SELECT r.run_key, 's' AS kind, st.ordinal, st.name, st.result, st.stage_type, st.start_time::text AS t
           FROM cicd_runs r JOIN cicd_run_stages st ON st.tenant_id = r.tenant_id AND st.run_id = r.id
           WHERE r.integration_id = $1
         UNION ALL
         SELECT r.run_key, 'c', c.ordinal, c.commit_sha, c.author, c.message, c.committed_at::text
           FROM cicd_runs r JOIN cicd_run_commits c ON c.tenant_id = r.tenant_id AND c.run_id = r.id
           WHERE r.integration_id = $1
         UNION ALL
         SELECT r.run_key, 'd', d.ordinal, d.service, d.environment, d.environment_type, d.infrastructure
           FROM cicd_runs r JOIN cicd_run_deploy_targets d ON d.tenant_id = r.tenant_id AND d.run_id = r.id
           WHERE r.integration_id = $1
         ORDER BY 1, 2, 3`,
        [id],
      );
      return { runs, children };
    };
    const before = await snapshot();
    expect(before.runs.length).toBe(fake.executions().length);
    expect(before.children.length).toBeGreaterThan(before.runs.length);
    await s.db.query(`UPDATE cicd_runs SET result = 'skipped' WHERE integration_id = $1`, [id]); // damage
    const res = await s.api('POST', `/v1/integrations/${id}/replay`, {});
    expect(res.status).toBe(200);
    expect(res.body.runs).toBe(before.runs.length);
    expect(await snapshot()).toEqual(before);
  });
});
