import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { startFakeGitLab, type FakeGitLab } from './fakes/gitlab/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

const HOUR = 3_600_000;
const GUEST_PROJECT = 'data/dashboards';

/** Everything a list endpoint of the fake answers, page by page: the oracle the store must mirror. */
async function upstream<T>(fake: FakeGitLab, path: string, query: Record<string, string> = {}): Promise<T[]> {
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

describe.each(STORES)('GitLab sync on %s', (kind) => {
  let fake: FakeGitLab;
  let s: TestServer;
  let id: string;

  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 5, days: 12, pipelinesPerDay: 3, groups: 3 });
    s = await startServer(kind, {
      connectors: [gitlabConnector as Connector<never>],
      ...virtualTime(() => fake.now()),
    });
    const created = await s.api('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'GitLab',
      settings: { url: fake.url, token: fake.token, exclude_projects: GUEST_PROJECT, history_days: 30 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
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

  const inScope = async () =>
    (await upstream<{ id: number; path_with_namespace: string }>(fake, '/projects', { membership: 'true' })).filter(
      (p) => p.path_with_namespace !== GUEST_PROJECT,
    );

  /** The store holds exactly what GitLab answers: pipelines and deployments as runs, merge requests, commits. */
  const expectMirrorsUpstream = async () => {
    const projects = await inScope();
    const pipelines: string[] = [];
    const deployments: string[] = [];
    const mrs: string[] = [];
    for (const p of projects) {
      const since = new Date(fake.now() - 30 * 24 * HOUR).toISOString();
      for (const x of await upstream<{ id: number; status: string }>(fake, `/projects/${p.id}/pipelines`, {
        updated_after: since,
      }))
        pipelines.push(`pipeline:${x.id}:${x.status}`);
      for (const x of await upstream<{ id: number; status: string }>(fake, `/projects/${p.id}/deployments`, {
        updated_after: since,
        order_by: 'updated_at',
      }))
        deployments.push(`deployment:${x.id}:${x.status}`);
      for (const x of await upstream<{ iid: number; state: string }>(fake, `/projects/${p.id}/merge_requests`, {
        updated_after: since,
        state: 'all',
      }))
        mrs.push(`${p.id}!${x.iid}:${x.state}`);
    }
    const runs = await s.db.query<{ k: string }>(
      `SELECT run_key || ':' || result_raw AS k FROM cicd_runs WHERE integration_id = $1`,
      [id],
    );
    expect(runs.map((r) => r.k).sort()).toEqual([...pipelines, ...deployments].sort());
    const stored = await s.db.query<{ k: string }>(
      `SELECT repo_key || '!' || mr_key || ':' || state AS k FROM scm_merge_requests WHERE integration_id = $1`,
      [id],
    );
    expect(stored.map((r) => r.k).sort()).toEqual(mrs.sort());
    return { pipelines: pipelines.length, deployments: deployments.length, mrs: mrs.length };
  };

  it('makes a first full sync: projects, commits, merge requests with reviews, pipelines with jobs, deployments, incidents', async () => {
    const job = await sync();
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(job.streams.map((x: { stream: string }) => x.stream)).toEqual([
      'projects',
      'commits',
      'merge_requests',
      'pipelines',
      'environments',
      'deployments',
      'incidents',
    ]);
    const counts = await expectMirrorsUpstream();
    expect(counts.pipelines).toBeGreaterThan(20);
    expect(counts.deployments).toBeGreaterThan(5);
    expect(counts.mrs).toBeGreaterThan(5);

    const repos = await s.db.query<{ full_path: string }>(
      'SELECT full_path FROM scm_repos WHERE integration_id = $1 ORDER BY full_path',
      [id],
    );
    expect(repos.map((r) => r.full_path)).toEqual((await inScope()).map((p) => p.path_with_namespace).sort());

    // A merged merge request with its commits and its review timeline.
    const merged = await s.db.query<{
      first_commit_at: Date | null;
      first_review_at: Date | null;
      merged_at: Date;
      created_at: Date;
      commits: number;
    }>(
      `SELECT m.first_commit_at, m.first_review_at, m.merged_at, m.created_at,
         (SELECT count(*)::int FROM scm_merge_request_commits c WHERE c.tenant_id = m.tenant_id
            AND c.integration_id = m.integration_id AND c.repo_key = m.repo_key AND c.mr_key = m.mr_key) AS commits
       FROM scm_merge_requests m WHERE integration_id = $1 AND state = 'merged' AND first_review_at IS NOT NULL
       ORDER BY merged_at LIMIT 1`,
      [id],
    );
    expect(merged[0]).toBeDefined();
    expect(merged[0]!.commits).toBeGreaterThan(0);
    expect(merged[0]!.first_commit_at!.getTime()).toBeLessThanOrEqual(merged[0]!.created_at.getTime());
    expect(merged[0]!.first_review_at!.getTime()).toBeLessThanOrEqual(merged[0]!.merged_at.getTime());

    // A production deployment in the shared runs API, with environment and tier.
    const prod = await s.db.query<{ id: string }>(
      `SELECT r.id::text AS id FROM cicd_runs r JOIN cicd_run_deploy_targets t ON t.tenant_id = r.tenant_id AND t.run_id = r.id
       WHERE r.integration_id = $1 AND t.environment_type = 'production' AND r.result = 'success' LIMIT 1`,
      [id],
    );
    const detail = await s.api('GET', `/v1/cicd/runs/${prod[0]!.id}`);
    expect(detail.body).toMatchObject({ source: 'gitlab', cd: true, ci: false, result: 'success' });
    expect(detail.body.deploy_targets[0]).toMatchObject({ environment: 'production', environment_type: 'production' });
    expect(detail.body.commits[0].sha).toMatch(/^[0-9a-f]{40}$/);

    // A pipeline with its stages and jobs.
    const pipeline = await s.db.query<{ id: string }>(
      `SELECT id::text AS id FROM cicd_runs WHERE integration_id = $1 AND run_key LIKE 'pipeline:%' AND result = 'success' LIMIT 1`,
      [id],
    );
    const p = await s.api('GET', `/v1/cicd/runs/${pipeline[0]!.id}`);
    expect(p.body.ci).toBe(true);
    expect(p.body.stages.length).toBeGreaterThan(0);
    expect(p.body.stages[0].steps.length).toBeGreaterThan(0);

    // Environments with their tier, as GitLab lists them.
    const envs = await s.db.query<{ k: string }>(
      `SELECT repo_key || '~' || env_key || ':' || name || ':' || tier AS k FROM cd_environments WHERE integration_id = $1`,
      [id],
    );
    const upstreamEnvs: string[] = [];
    for (const project of await inScope()) {
      for (const e of await upstream<{ id: number; name: string; tier: string }>(
        fake,
        `/projects/${project.id}/environments`,
      ))
        upstreamEnvs.push(`${project.id}~${e.id}:${e.name}:${e.tier}`);
    }
    expect(envs.map((e) => e.k).sort()).toEqual(upstreamEnvs.sort());
    expect(upstreamEnvs.some((e) => e.endsWith(':production'))).toBe(true);

    const commits = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM scm_commits WHERE integration_id = $1 AND on_default_branch',
      [id],
    );
    expect(commits[0]!.n).toBeGreaterThan(10);
  });

  it('syncs incrementally: only what changed is fetched, running pipelines finish', async () => {
    const running = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1 AND result IN ('running', 'queued')`,
      [id],
    );
    expect(running[0]!.n).toBeGreaterThan(0); // the fake starts with pipelines running
    fake.clearRequests();
    fake.advance(2 * HOUR);
    const job = await sync();
    expect(job.status).toBe('succeeded');
    const requests = [...fake.requests()];
    await expectMirrorsUpstream();
    const lists = requests.filter(
      (r) => /\/(pipelines|deployments|merge_requests|issues)$/.test(r.path) && r.query['updated_after'] !== undefined,
    );
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.some((r) => r.path.endsWith('/issues'))).toBe(true);
    for (const r of lists) {
      const after = Date.parse(String(r.query['updated_after']));
      expect(after, r.path).toBeGreaterThan(fake.now() - 4 * HOUR);
    }
    const detailCalls = requests.filter((r) => /\/pipelines\/\d+$/.test(r.path));
    const all = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1 AND run_key LIKE 'pipeline:%'`,
      [id],
    );
    expect(detailCalls.length).toBeLessThan(all[0]!.n / 2);
  });

  it('marks a project deleted or made private upstream as gone, keeps its history, syncs the rest', async () => {
    const projects = await inScope();
    const deleted = projects.find((p) => p.path_with_namespace.startsWith('acme/'))!;
    // The user loses the mobile group, whose projects become private: GitLab then answers 404 for them.
    const hidden = projects.filter((p) => p.path_with_namespace.startsWith('mobile/'));
    expect(hidden.length).toBeGreaterThan(0);
    fake.deleteProject(deleted.path_with_namespace);
    for (const p of hidden) fake.makePrivate(p.path_with_namespace);
    fake.setGroupRole(fake.user.username, 'mobile', null);
    fake.advance(HOUR);
    const job = await sync();
    expect(job.status, JSON.stringify(job.streams)).toBe('succeeded');
    const repos = await s.db.query<{ repo_key: string; gone_reason: string | null }>(
      'SELECT repo_key, gone_reason FROM scm_repos WHERE integration_id = $1 AND gone_at IS NOT NULL ORDER BY repo_key',
      [id],
    );
    expect(repos.map((r) => r.repo_key).sort()).toEqual([deleted, ...hidden].map((p) => String(p.id)).sort());
    expect(repos.map((r) => r.gone_reason)).toEqual(repos.map(() => 'not_found'));
    const kept = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1 AND repo_key = $2',
      [id, String(deleted.id)],
    );
    expect(kept[0]!.n).toBeGreaterThan(0);
  });

  it('rides out 429 bursts (with and without Retry-After) and 5xx storms', async () => {
    fake.advance(HOUR);
    fake.failNext(3, { status: 429 });
    fake.failNext(2, { status: 429, retryAfterSeconds: 2 });
    fake.failNext(3, { status: 503 });
    const job = await sync();
    expect(job.status).toBe('succeeded');
    expect(fake.requests().filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(5);
  });

  it('replay rebuilds exactly the same domain rows from the raw records', async () => {
    const snapshot = async () => ({
      runs: await s.db.query(
        `SELECT run_key, result, start_time, end_time, pipeline, repo_key,
           (SELECT json_agg(json_build_array(name, result) ORDER BY ordinal) FROM cicd_run_stages st
             WHERE st.tenant_id = r.tenant_id AND st.run_id = r.id) AS stages
         FROM cicd_runs r WHERE integration_id = $1 ORDER BY run_key`,
        [id],
      ),
      mrs: await s.db.query(
        `SELECT repo_key, mr_key, state, first_review_at, approvals, reviewers FROM scm_merge_requests
         WHERE integration_id = $1 ORDER BY repo_key, mr_key`,
        [id],
      ),
      commits: await s.db.query(
        `SELECT repo_key, sha, committed_at, on_default_branch FROM scm_commits WHERE integration_id = $1 ORDER BY repo_key, sha`,
        [id],
      ),
      repos: await s.db.query(
        'SELECT repo_key, full_path, gone_reason FROM scm_repos WHERE integration_id = $1 ORDER BY repo_key',
        [id],
      ),
      environments: await s.db.query(
        'SELECT repo_key, env_key, name, tier FROM cd_environments WHERE integration_id = $1 ORDER BY repo_key, env_key',
        [id],
      ),
      incidents: await s.db.query(
        `SELECT incident_key, repo_key, state, severity, services, opened_at, resolved_at FROM incidents
         WHERE integration_id = $1 ORDER BY incident_key`,
        [id],
      ),
    });
    const before = await snapshot();
    const res = await s.api('POST', `/v1/integrations/${id}/replay`, {});
    expect(res.status).toBe(200);
    expect(res.body.merge_requests).toBe(before.mrs.length);
    expect(await snapshot()).toEqual(before);
  });

  it('stops with a clear status when the token is revoked in the middle of a sync', async () => {
    const token = fake.addToken({ scopes: ['read_api'] });
    const other = await s.api('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'GitLab revoked mid-sync',
      settings: { url: fake.url, token, exclude_projects: GUEST_PROJECT, history_days: 30 },
    });
    await s.api('POST', `/v1/integrations/${other.body.id}/sync`, {});
    fake.clearRequests();
    fake.setLatency(5);
    const running = s.worker.runNext();
    while (!fake.requests().some((r) => r.path.endsWith('/merge_requests') && r.status === 200)) {
      await new Promise((r) => setTimeout(r, 2));
    }
    fake.revokeToken(token);
    await running;
    fake.setLatency(0);
    const status = (await s.api('GET', `/v1/integrations/${other.body.id}/sync`)).body;
    const job = status.history[0];
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('upstream_unauthorized');
    expect(JSON.stringify(status)).not.toContain(token);
  });
});
