import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitLab, type FakeGitLab, type FakeGitLabOptions } from './fakes/gitlab/server.js';
import { createWorld } from './fakes/gitlab/world.js';

// Wednesday 5 June 2024, 14:00 UTC: a working afternoon, so some pipelines are in flight.
const NOW = Date.UTC(2024, 5, 5, 14, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const API_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const GIT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;
const STOREFRONT = encodeURIComponent('acme/storefront');
const DASHBOARDS = encodeURIComponent('data/dashboards');
const HIDDEN = encodeURIComponent('data/warehouse-etl');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

interface CallOptions {
  /** Default: the fake's main token as PRIVATE-TOKEN; null sends none. */
  token?: string | null;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}

async function call(fake: FakeGitLab, path: string, options: CallOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? fake.token : options.token;
  if (token !== null && !headers.Authorization) headers['PRIVATE-TOKEN'] = token;
  const url = path.startsWith('http')
    ? path
    : path.startsWith('/oauth')
      ? `${fake.url}${path}`
      : `${fake.apiUrl}${path}`;
  const res = await fetch(url, { method: options.method ?? 'GET', headers, body: options.body, redirect: 'manual' });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows `x-next-page` (never the totals) and returns every row. */
async function walk(fake: FakeGitLab, path: string, options: CallOptions = {}): Promise<Json[]> {
  const rows: Json[] = [];
  let page = '1';
  for (let i = 0; i < 500 && page !== ''; i++) {
    const res = await call(fake, `${path}${path.includes('?') ? '&' : '?'}per_page=100&page=${page}`, options);
    expect(res.status).toBe(200);
    rows.push(...res.json);
    page = res.headers.get('x-next-page') ?? '';
  }
  return rows;
}

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`./fakes/gitlab/fixtures/${name}`, import.meta.url), 'utf8'));
}

const RECORDED = fixture('recorded-items.json');
const ERRORS = fixture('errors.json');

/**
 * Key paths of `expected` that `actual` lacks or holds with another JSON type (arrays: first element).
 * `nullable` paths may be null where the recording has an object; `ignore` lists fields GitLab removed.
 */
function missingShape(
  expected: Json,
  actual: Json,
  opts: { nullable?: string[]; ignore?: string[] } = {},
  path = '',
): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (expected === null || opts.ignore?.includes(path)) return [];
  if (actual === null && opts.nullable?.includes(path)) return [];
  if (kind(expected) !== kind(actual)) return [`${path} (${kind(expected)} vs ${kind(actual)})`];
  if (Array.isArray(expected)) {
    return expected.length > 0 && actual.length > 0 ? missingShape(expected[0], actual[0], opts, `${path}[0]`) : [];
  }
  if (typeof expected !== 'object') return [];
  return Object.keys(expected).flatMap((k) =>
    k in actual || opts.ignore?.includes(`${path}.${k}`)
      ? missingShape(expected[k], actual[k], opts, `${path}.${k}`)
      : [`${path}.${k} (missing)`],
  );
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function withFake(options: FakeGitLabOptions, run: (fake: FakeGitLab) => Promise<void>): Promise<void> {
  const fake = await startFakeGitLab({ seed: 7, now: NOW, days: 14, ...options });
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

describe('fake GitLab', () => {
  let fake: FakeGitLab;

  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 42, now: NOW });
  });
  afterAll(async () => fake.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
  });

  describe('shapes match the recorded payloads', () => {
    it('merge requests, notes and MR commits', async () => {
      const list = await call(fake, `/projects/${STOREFRONT}/merge_requests?state=merged&per_page=5`);
      expect(list.status).toBe(200);
      const mr = list.json[0];
      expect(missingShape(RECORDED.merge_request, mr, { nullable: ['.milestone'] })).toEqual([]);
      expect(mr.state).toBe('merged');
      for (const key of ['created_at', 'updated_at', 'merged_at']) expect(mr[key]).toMatch(API_TIME);
      const notes = await call(fake, `/projects/${STOREFRONT}/merge_requests/${mr.iid}/notes?sort=asc`);
      expect(missingShape(RECORDED.note, notes.json[0])).toEqual([]);
      expect(notes.json.map((n: Json) => n.body)).toContain('approved this merge request');
      expect(notes.json.at(-1)?.body === 'merged' || notes.json.some((n: Json) => n.body === 'merged')).toBe(true);
      const commits = await call(fake, `/projects/${STOREFRONT}/merge_requests/${mr.iid}/commits`);
      expect(missingShape(RECORDED.commit, commits.json[0])).toEqual([]);
      expect(commits.json[0].committed_date).toMatch(GIT_TIME);
      // Commits were made before the MR was opened (the first one at least).
      expect(Date.parse(commits.json.at(-1).committed_date)).toBeLessThan(Date.parse(mr.created_at));
      const single = await call(fake, `/projects/${STOREFRONT}/merge_requests/${mr.iid}`);
      expect(single.json).toMatchObject({ iid: mr.iid, diff_refs: { head_sha: mr.sha } });
      expect(single.json.head_pipeline.detailed_status).toBeTruthy();
    });

    it('pipelines (slim list items, full single pipeline), jobs and deployments', async () => {
      const list = await call(fake, `/projects/${STOREFRONT}/pipelines?status=success&per_page=5`);
      const item = list.json[0];
      expect(missingShape(RECORDED.pipeline_list_item, item)).toEqual([]);
      expect(Object.keys(item).sort()).toEqual(
        [
          'created_at',
          'id',
          'iid',
          'name',
          'project_id',
          'ref',
          'sha',
          'source',
          'status',
          'updated_at',
          'web_url',
        ].sort(),
      );
      const detail = await call(fake, `/projects/${STOREFRONT}/pipelines/${item.id}`);
      expect(missingShape(RECORDED.pipeline_detail, detail.json)).toEqual([]);
      expect(detail.json).toMatchObject({ status: 'success', duration: expect.any(Number) });
      expect(detail.json.finished_at).toMatch(API_TIME);
      const jobs = await call(fake, `/projects/${STOREFRONT}/pipelines/${item.id}/jobs`);
      expect(jobs.json.length).toBeGreaterThan(2);
      const job = jobs.json.find((j: Json) => j.status === 'success');
      // bio_html left the user entity in GitLab 13; the recording predates that.
      expect(missingShape(RECORDED.job, job, { ignore: ['.user.bio_html'] })).toEqual([]);
      // failure_reason is only sent for failed jobs (the recorded deployable failed).
      const successOnly = { nullable: ['.runner'], ignore: ['.failure_reason'] };
      expect(missingShape(RECORDED.deployment.deployable, job, successOnly)).toEqual([]);
      expect(job.pipeline.id).toBe(item.id);
      const deployments = await call(fake, `/projects/${STOREFRONT}/deployments?status=success&per_page=5`);
      const deployment = deployments.json[0];
      expect(
        missingShape(RECORDED.deployment, deployment, {
          nullable: ['.deployable.runner'],
          ignore: ['.deployable.failure_reason'],
        }),
      ).toEqual([]);
      expect(deployment.deployable.pipeline).toMatchObject({ project_id: expect.any(Number) });
      expect(deployment.environment).toMatchObject({ name: expect.any(String), tier: expect.any(String) });
      const failed = await call(fake, `/projects/${STOREFRONT}/deployments?status=failed&per_page=1`);
      expect(missingShape(RECORDED.deployment, failed.json[0])).toEqual([]);
      expect(failed.json[0].deployable).toMatchObject({ status: 'failed', failure_reason: expect.any(String) });
    });

    it('repository commits, with stats on request and git dates with offsets', async () => {
      const res = await call(fake, `/projects/${STOREFRONT}/repository/commits?per_page=20&with_stats=true`);
      expect(missingShape(RECORDED.commit, res.json[0])).toEqual([]);
      expect(res.json[0].stats).toEqual({
        additions: expect.any(Number),
        deletions: expect.any(Number),
        total: expect.any(Number),
      });
      for (const c of res.json) expect(c.authored_date).toMatch(GIT_TIME);
      const dates = res.json.map((c: Json) => Date.parse(c.committed_date));
      expect([...dates].sort((a, b) => b - a)).toEqual(dates);
      const mainline = await call(fake, `/projects/${STOREFRONT}/repository/commits?per_page=100&first_parent=true`);
      expect(mainline.json.every((c: Json) => c.parent_ids.length === 2 || !c.title.startsWith('Merge branch'))).toBe(
        true,
      );
      expect(mainline.json.some((c: Json) => c.title.startsWith('Merge branch'))).toBe(true);
      const since = new Date(NOW - 2 * DAY).toISOString();
      const windowed = await walk(fake, `/projects/${STOREFRONT}/repository/commits?since=${since}`);
      expect(windowed.every((c: Json) => Date.parse(c.committed_date) >= NOW - 2 * DAY)).toBe(true);
      const one = await call(fake, `/projects/${STOREFRONT}/repository/commits/${res.json[0].id}`);
      expect(one.json).toMatchObject({ id: res.json[0].id, project_id: expect.any(Number), stats: expect.any(Object) });
      expect((await call(fake, `/projects/${STOREFRONT}/repository/commits/deadbeefdeadbeef`)).json).toEqual({
        message: '404 Commit Not Found',
      });
    });

    it('user, token self-introspection, version, groups and projects', async () => {
      const user = await call(fake, '/user');
      expect(user.json).toMatchObject({ id: fake.user.id, username: 'sam.rivera', state: 'active', bot: false });
      const self = await call(fake, '/personal_access_tokens/self');
      expect(Object.keys(self.json)).toEqual(
        expect.arrayContaining([
          'id',
          'name',
          'revoked',
          'created_at',
          'scopes',
          'user_id',
          'last_used_at',
          'active',
          'expires_at',
        ]),
      );
      expect(self.json).toMatchObject({ scopes: ['api'], user_id: fake.user.id, active: true, revoked: false });
      expect(self.json.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect((await call(fake, '/version')).json).toMatchObject({ version: '17.5.0-ee', revision: expect.any(String) });
      const project = await call(fake, `/projects/${STOREFRONT}`);
      expect(project.json).toMatchObject({
        path_with_namespace: 'acme/storefront',
        default_branch: 'main',
        visibility: 'internal',
        archived: false,
        namespace: { full_path: 'acme', kind: 'group' },
        permissions: { project_access: null, group_access: { access_level: 40 } },
      });
      expect((await call(fake, `/projects/${project.json.id}`)).json.id).toBe(project.json.id);
      const groups = await call(fake, '/groups');
      expect(groups.json.map((g: Json) => g.full_path).sort()).toEqual(['acme', 'acme/platform', 'data', 'mobile']);
      expect((await call(fake, '/groups?top_level_only=true')).json.map((g: Json) => g.full_path)).not.toContain(
        'acme/platform',
      );
      expect((await call(fake, '/groups?min_access_level=20')).json.map((g: Json) => g.full_path)).not.toContain(
        'data',
      );
      const nested = await call(fake, '/groups/acme/projects?include_subgroups=true&simple=true');
      expect(nested.json.map((p: Json) => p.path_with_namespace).sort()).toEqual([
        'acme/checkout-api',
        'acme/platform/infra',
        'acme/platform/legacy-billing',
        'acme/storefront',
      ]);
      expect((await call(fake, '/groups/acme/projects')).json).toHaveLength(2);
    });
  });

  describe('data', () => {
    it('has groups, an archived project, one the user cannot see, and what the main token can read', async () => {
      const all = await walk(fake, '/projects?simple=true');
      const paths = all.map((p: Json) => p.path_with_namespace);
      expect(paths).not.toContain('data/warehouse-etl');
      expect(paths).toHaveLength(7);
      const archived = await call(fake, '/projects?archived=true');
      expect(archived.json.map((p: Json) => p.path_with_namespace)).toEqual(['acme/platform/legacy-billing']);
      const reporter = await walk(fake, '/projects?min_access_level=20&archived=false&simple=true');
      expect(reporter.map((p: Json) => p.path_with_namespace).sort()).toEqual([
        'acme/checkout-api',
        'acme/platform/infra',
        'acme/storefront',
        'mobile/android-app',
        'mobile/ios-app',
      ]);
      const active = await walk(
        fake,
        `/projects?last_activity_after=${new Date(NOW - 7 * DAY).toISOString()}&simple=true`,
      );
      expect(active.map((p: Json) => p.path_with_namespace)).not.toContain('acme/platform/legacy-billing');
    });

    it('has environments by tier, failed production deploys followed by a successful one, retries and bridges', async () => {
      const envs = await call(fake, `/projects/${encodeURIComponent('mobile/ios-app')}/environments`);
      expect(envs.json.map((e: Json) => [e.name, e.tier])).toEqual([
        ['app-store', 'production'],
        ['testflight', 'staging'],
      ]);
      const prod = await walk(fake, `/projects/${STOREFRONT}/deployments?environment=production`);
      const finished = prod.filter((d: Json) => d.status === 'success' || d.status === 'failed');
      const failedAt = finished.findIndex((d: Json) => d.status === 'failed');
      expect(failedAt).toBeGreaterThanOrEqual(0);
      expect(finished.slice(failedAt + 1).some((d: Json) => d.status === 'success')).toBe(true);
      expect(prod.some((d: Json) => d.status === 'created' && d.deployable.status === 'manual')).toBe(true);
      const pipelines = await walk(fake, `/projects/${STOREFRONT}/pipelines`);
      expect(new Set(pipelines.map((p: Json) => p.source))).toEqual(
        new Set(['push', 'merge_request_event', 'schedule']),
      );
      expect(pipelines.some((p: Json) => p.status === 'canceled')).toBe(true);
      let retried = false;
      for (const p of pipelines.slice(0, 80)) {
        const all = await call(fake, `/projects/${STOREFRONT}/pipelines/${p.id}/jobs?include_retried=true`);
        const latest = await call(fake, `/projects/${STOREFRONT}/pipelines/${p.id}/jobs`);
        if (all.json.length > latest.json.length) {
          retried = true;
          const failed = await call(
            fake,
            `/projects/${STOREFRONT}/pipelines/${p.id}/jobs?scope[]=failed&include_retried=true`,
          );
          expect(failed.json.length).toBeGreaterThan(0);
          break;
        }
      }
      expect(retried).toBe(true);
      const infra = encodeURIComponent('acme/platform/infra');
      const infraPipelines = await call(fake, `/projects/${infra}/pipelines?source=push&status=success&per_page=1`);
      const bridges = await call(fake, `/projects/${infra}/pipelines/${infraPipelines.json[0].id}/bridges`);
      expect(bridges.json[0]).toMatchObject({
        name: 'trigger-terraform',
        downstream_pipeline: { source: 'parent_pipeline' },
      });
    });

    it('is deterministic: the same seed gives the same data, another seed different data', () => {
      const summary = (seed: number) => {
        const world = createWorld({ seed, now: NOW, days: 20 });
        return world.projects.map((p) => [
          p.id,
          p.pipelines.map((pl) => [pl.id, pl.commit.sha, pl.transitions.at(-1)?.status]),
          p.mergeRequests.map((m) => [m.id, m.title, m.state, m.notes.length]),
          p.issues.map((i) => [i.id, i.iid, i.type, i.title, i.state, i.labels]),
        ]);
      };
      expect(summary(3)).toEqual(summary(3));
      expect(summary(4)).not.toEqual(summary(3));
    });

    it('gives the same history whether the clock is advanced in one step or many', () => {
      const one = createWorld({ seed: 5, now: NOW, days: 5 });
      const many = createWorld({ seed: 5, now: NOW, days: 5 });
      one.sync(NOW + 2 * DAY);
      for (let t = NOW; t <= NOW + 2 * DAY; t += 37 * MINUTE) many.sync(t);
      many.sync(NOW + 2 * DAY);
      const ids = (w: typeof one) =>
        w.projects.flatMap((p) => [
          ...p.pipelines.map((x) => x.id),
          ...p.mergeRequests.map((m) => m.updatedAt),
          ...p.issues.map((i) => `${i.id}:${i.state}:${i.updatedAt}`),
        ]);
      expect(ids(many)).toEqual(ids(one));
    });
  });

  describe('paging', () => {
    it('sends the offset headers and a link, and an empty x-next-page on the last page', async () => {
      const first = await call(fake, `/projects/${STOREFRONT}/pipelines?per_page=5`);
      const total = Number(first.headers.get('x-total'));
      expect(total).toBeGreaterThan(100);
      expect(first.headers.get('x-page')).toBe('1');
      expect(first.headers.get('x-per-page')).toBe('5');
      expect(first.headers.get('x-next-page')).toBe('2');
      expect(first.headers.get('x-prev-page')).toBe('');
      expect(first.headers.get('x-total-pages')).toBe(String(Math.ceil(total / 5)));
      const link = first.headers.get('link') ?? '';
      expect(link).toContain('rel="next"');
      expect(link).toContain('rel="first"');
      expect(link).toContain('rel="last"');
      expect(link).not.toContain('rel="prev"');
      const lastPage = Math.ceil(total / 5);
      const last = await call(fake, `/projects/${STOREFRONT}/pipelines?per_page=5&page=${lastPage}`);
      expect(last.headers.get('x-next-page')).toBe('');
      expect(last.headers.get('x-prev-page')).toBe(String(lastPage - 1));
      expect(last.headers.get('link')).not.toContain('rel="next"');
      expect(last.json.length).toBe(total - (lastPage - 1) * 5);
      const ids = first.json.map((p: Json) => p.id);
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      const clamped = await call(fake, `/projects/${STOREFRONT}/pipelines?per_page=500`);
      expect(clamped.headers.get('x-per-page')).toBe('100');
      expect(clamped.json).toHaveLength(100);
      expect((await call(fake, `/projects/${STOREFRONT}/pipelines?per_page=abc`)).json).toEqual({
        error: 'per_page is invalid',
      });
    });

    it('drops x-total, x-total-pages and rel="last" above the totals threshold', async () => {
      await withFake({ totalsThreshold: 50 }, async (f) => {
        const res = await call(f, `/projects/${STOREFRONT}/pipelines?per_page=20`);
        expect(res.headers.get('x-total')).toBeNull();
        expect(res.headers.get('x-total-pages')).toBeNull();
        expect(res.headers.get('link')).not.toContain('rel="last"');
        expect(res.headers.get('x-next-page')).toBe('2');
        const rows = await walk(f, `/projects/${STOREFRONT}/pipelines`);
        expect(rows.length).toBe(f.project('acme/storefront').pipelines.length);
        expect(rows.length).toBeGreaterThan(50);
        const small = await call(f, '/projects?per_page=2');
        expect(small.headers.get('x-total')).toBe('7');
      });
    });

    it('pages /projects by keyset with an id_after link', async () => {
      const ids: number[] = [];
      let url: string | undefined =
        `${fake.apiUrl}/projects?pagination=keyset&order_by=id&sort=asc&per_page=2&simple=true`;
      for (let i = 0; i < 10 && url; i++) {
        const res: Res = await call(fake, url);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-total')).toBeNull();
        ids.push(...res.json.map((p: Json) => p.id));
        const link = res.headers.get('link');
        url = link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined;
        if (url) expect(url).toContain(`id_after=${ids.at(-1)}`);
      }
      expect(ids).toHaveLength(7);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const unsupported = await call(fake, '/projects?pagination=keyset&order_by=name');
      expect(unsupported.status).toBe(405);
    });

    it('filters server-side with inclusive bounds, so a cursor sync sees the boundary row again', async () => {
      const page = await call(fake, `/projects/${STOREFRONT}/merge_requests?order_by=updated_at&sort=asc&per_page=10`);
      const boundary = page.json[5].updated_at;
      const next = await call(
        fake,
        `/projects/${STOREFRONT}/merge_requests?order_by=updated_at&sort=asc&updated_after=${boundary}&per_page=10`,
      );
      expect(next.json[0].updated_at).toBe(boundary);
      expect(next.json.every((m: Json) => m.updated_at >= boundary)).toBe(true);
      const bad = await call(fake, `/projects/${STOREFRONT}/merge_requests?updated_after=yesterday&state=nope`);
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ error: 'state does not have a valid value, updated_after is invalid' });
    });

    it('shifts offset pages when rows are inserted or deleted between two requests', async () => {
      await withFake({}, async (f) => {
        const path = `/projects/${STOREFRONT}/pipelines?per_page=10`;
        const page1 = await call(f, `${path}&page=1`);
        const added = f.addPipeline('acme/storefront');
        const page2 = await call(f, `${path}&page=2`);
        expect(page2.json[0].id).toBe(page1.json[9].id);
        expect((await call(f, `${path}&page=1`)).json[0]).toMatchObject({
          id: added.id,
          status: 'created',
          source: 'web',
        });
        f.deletePipeline('acme/storefront', added.id);
        f.deletePipeline('acme/storefront', page1.json[0].id);
        const after = await call(f, `${path}&page=1`);
        expect(after.json[0].id).toBe(page1.json[1].id);
        expect((await call(f, `/projects/${STOREFRONT}/pipelines/${added.id}`)).json).toEqual({
          message: '404 Not found',
        });
      });
    });
  });

  describe('auth', () => {
    it('accepts PRIVATE-TOKEN, Bearer and ?private_token, and logs how without the token', async () => {
      expect((await call(fake, '/user')).status).toBe(200);
      expect(
        (await call(fake, '/user', { token: null, headers: { Authorization: `Bearer ${fake.token}` } })).status,
      ).toBe(200);
      expect((await call(fake, `/user?private_token=${fake.token}`, { token: null })).status).toBe(200);
      const log = fake.requests();
      expect(log.map((r) => r.auth)).toEqual(['private-token', 'bearer', 'query-private-token']);
      expect(log.every((r) => r.user === 'sam.rivera' && r.tokenKind === 'pat' && r.status === 200)).toBe(true);
      expect(log[2]?.query.private_token).toEqual(['[redacted]']);
      expect(JSON.stringify(log)).not.toContain(fake.token);
    });

    it('answers a missing or unknown token with 401 "401 Unauthorized"', async () => {
      for (const token of [null, 'glpat-nope', `${fake.token}x`]) {
        const res = await call(fake, `/projects/${STOREFRONT}/pipelines`, { token });
        expect(res.status).toBe(401);
        expect(res.json).toEqual(ERRORS.unauthorized);
        expect(res.headers.get('www-authenticate')).toBeNull();
      }
      // An OAuth token is not a PAT: PRIVATE-TOKEN refuses it.
      const oauth = fake.issueOAuthToken();
      expect((await call(fake, '/user', { token: oauth.accessToken })).status).toBe(401);
      expect((await call(fake, '/user', { headers: { Authorization: `Bearer ${oauth.accessToken}` } })).status).toBe(
        200,
      );
    });

    it('answers expired and revoked tokens with invalid_token and a WWW-Authenticate challenge', async () => {
      const expired = fake.addToken({ expiresAt: '2024-06-01' });
      const res = await call(fake, '/projects', { token: expired });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(ERRORS.expired_token);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const soon = fake.addToken();
      expect((await call(fake, '/user', { token: soon })).status).toBe(200);
      fake.expireToken(soon);
      expect((await call(fake, '/user', { token: soon })).json.error).toBe('invalid_token');
      const revoked = fake.addToken();
      fake.revokeToken(revoked);
      const after = await call(fake, '/user', { token: revoked });
      expect(after.status).toBe(401);
      expect(after.json).toEqual({
        error: 'invalid_token',
        error_description: 'Token was revoked. You have to re-authorize from the user.',
      });
    });

    it('answers a token without read_api or api with 403 insufficient_scope', async () => {
      const userOnly = fake.addToken({ scopes: ['read_user'] });
      expect((await call(fake, '/user', { token: userOnly })).status).toBe(200);
      const res = await call(fake, '/projects', { token: userOnly });
      expect(res.status).toBe(403);
      expect(res.json).toEqual(ERRORS.insufficient_scope);
      expect(res.headers.get('www-authenticate')).toBeNull();
      const repo = fake.addToken({ scopes: ['read_repository'] });
      expect((await call(fake, '/user', { token: repo })).json.scope).toBe('api read_api read_user');
      const readApi = fake.addToken({ scopes: ['read_api'] });
      expect((await call(fake, `/projects/${STOREFRONT}/pipelines`, { token: readApi })).status).toBe(200);
    });

    it('answers 403 by role, configurable per user and project, and 404 for projects the user cannot see', async () => {
      await withFake({}, async (f) => {
        // Sam is a Guest on data/dashboards (internal): MRs and code yes, pipelines, jobs and deployments no.
        const project = await call(f, `/projects/${DASHBOARDS}`);
        expect(project.json.permissions).toEqual({
          project_access: { access_level: 10, notification_level: 3 },
          group_access: null,
        });
        expect((await call(f, `/projects/${DASHBOARDS}/merge_requests`)).status).toBe(200);
        for (const path of ['pipelines', 'deployments', 'environments']) {
          const res = await call(f, `/projects/${DASHBOARDS}/${path}`);
          expect(res.status).toBe(403);
          expect(res.json).toEqual({ message: '403 Forbidden' });
        }
        f.setPublicPipelines('data/dashboards', true);
        expect((await call(f, `/projects/${DASHBOARDS}/pipelines`)).status).toBe(200);
        expect((await call(f, `/projects/${DASHBOARDS}/deployments`)).status).toBe(403);
        f.setRole('sam.rivera', 'data/dashboards', 20);
        expect((await call(f, `/projects/${DASHBOARDS}/deployments`)).status).toBe(200);

        const hidden = await call(f, `/projects/${HIDDEN}/pipelines`);
        expect(hidden.status).toBe(404);
        expect(hidden.json).toEqual(ERRORS.project_not_found);
        const id = f.project('data/warehouse-etl').id;
        expect((await call(f, `/projects/${id}`)).status).toBe(404);
        f.setRole('sam.rivera', 'data/warehouse-etl', 30);
        expect((await call(f, `/projects/${id}`)).status).toBe(200);

        // A private project the user is no longer a member of, and a deleted one.
        const ios = encodeURIComponent('mobile/ios-app');
        f.setGroupRole('sam.rivera', 'mobile', null);
        expect((await call(f, `/projects/${ios}`)).status).toBe(404);
        f.deleteProject('acme/checkout-api');
        expect((await call(f, `/projects/${encodeURIComponent('acme/checkout-api')}`)).status).toBe(404);
        expect((await walk(f, '/projects?simple=true')).map((p: Json) => p.path)).not.toContain('checkout-api');
        expect((await call(f, '/projects/no%2Fsuch')).json).toEqual(ERRORS.project_not_found);
        expect((await call(f, '/nope')).json).toEqual({ error: '404 Not Found' });
      });
    });
  });

  describe('deployments', () => {
    it('requires updated_* filters and order_by=updated_at together (GitLab >= 16)', async () => {
      const after = new Date(NOW - 10 * DAY).toISOString();
      const paired = '400 Bad request - `updated_at` filter and `updated_at` sorting must be paired';
      expect((await call(fake, `/projects/${STOREFRONT}/deployments?updated_after=${after}`)).json).toEqual({
        message: paired,
      });
      const orderOnly = await call(fake, `/projects/${STOREFRONT}/deployments?order_by=updated_at`);
      expect(orderOnly.status).toBe(400);
      const ok = await call(
        fake,
        `/projects/${STOREFRONT}/deployments?order_by=updated_at&sort=asc&updated_after=${after}&per_page=100`,
      );
      expect(ok.status).toBe(200);
      const updated = ok.json.map((d: Json) => d.updated_at);
      expect([...updated].sort()).toEqual(updated);
      expect(updated.every((u: string) => u >= after)).toBe(true);
      const finished = await call(
        fake,
        `/projects/${STOREFRONT}/deployments?order_by=finished_at&finished_after=${after}`,
      );
      expect(finished.json.message).toContain('`finished_at` filter must be combined with `success` status filter.');
      const success = await call(
        fake,
        `/projects/${STOREFRONT}/deployments?order_by=finished_at&finished_after=${after}&status=success`,
      );
      expect(success.json.every((d: Json) => d.status === 'success')).toBe(true);
    });
  });

  describe('issues and incidents', () => {
    it('lists incidents with issue_type=incident, shaped like the recorded issue, opened after production deployments', async () => {
      const all = await walk(fake, `/projects/${STOREFRONT}/issues?scope=all`);
      const incidents = await walk(fake, `/projects/${STOREFRONT}/issues?issue_type=incident&state=all&scope=all`);
      expect(incidents.length).toBeGreaterThan(0);
      expect(all.length).toBeGreaterThan(incidents.length); // plain issues too
      expect(
        missingShape(RECORDED.issue, incidents[0], { nullable: ['.milestone', '.assignee', '.closed_by'] }),
      ).toEqual([]);
      expect(all.filter((i: Json) => i.issue_type === 'incident')).toEqual(incidents);
      for (const i of incidents) {
        expect(i).toMatchObject({ issue_type: 'incident', type: 'INCIDENT' });
        expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']).toContain(i.severity);
        expect(i.labels).toContain('service::acme/storefront');
        for (const key of ['created_at', 'updated_at']) expect(i[key]).toMatch(API_TIME);
        expect(i.state === 'closed').toBe(i.closed_at !== null);
      }
      for (const i of all.filter((x: Json) => x.issue_type === 'issue'))
        expect(i).toMatchObject({ severity: 'UNKNOWN' });
      // Each incident was opened within hours after a production deployment of the project ended.
      const prod = await walk(
        fake,
        `/projects/${STOREFRONT}/deployments?environment=production&order_by=updated_at&updated_after=${new Date(0).toISOString()}`,
      );
      const ends = prod
        .filter((d: Json) => ['success', 'failed'].includes(d.status))
        .map((d: Json) => Date.parse(d.updated_at));
      for (const i of incidents) {
        const opened = Date.parse(i.created_at);
        expect(
          ends.some((e: number) => e <= opened && opened - e <= 6 * 60 * MINUTE),
          i.created_at,
        ).toBe(true);
      }
      // State, time and type filters, server-side, bounds inclusive.
      const sorted = await walk(
        fake,
        `/projects/${STOREFRONT}/issues?issue_type=incident&order_by=updated_at&sort=asc`,
      );
      const times = sorted.map((i: Json) => i.updated_at);
      expect([...times].sort()).toEqual(times);
      const boundary = times[Math.floor(times.length / 2)];
      const after = await walk(
        fake,
        `/projects/${STOREFRONT}/issues?issue_type=incident&order_by=updated_at&sort=asc&updated_after=${boundary}`,
      );
      expect(after[0].updated_at).toBe(boundary);
      expect(after.map((i: Json) => i.iid)).toEqual(
        sorted.filter((i: Json) => i.updated_at >= boundary).map((i: Json) => i.iid),
      );
      const closed = await walk(fake, `/projects/${STOREFRONT}/issues?issue_type=incident&state=closed`);
      expect(closed.every((i: Json) => i.state === 'closed')).toBe(true);
      const bad = await call(fake, `/projects/${STOREFRONT}/issues?issue_type=bug&scope=mine`);
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ error: 'issue_type does not have a valid value, scope does not have a valid value' });
      expect((await call(fake, `/projects/${HIDDEN}/issues`)).status).toBe(404);
    });

    it('opens, closes and reopens incidents on demand; a project with issues turned off lists none', async () => {
      await withFake({}, async (f) => {
        const iid = f.openIncident('acme/checkout-api', { labels: ['service::checkout'], severity: 'CRITICAL' });
        const path = `/projects/${encodeURIComponent('acme/checkout-api')}/issues?issue_type=incident&iids[]=${iid}`;
        const opened = (await call(f, path)).json[0];
        expect(opened).toMatchObject({
          iid,
          state: 'opened',
          closed_at: null,
          severity: 'CRITICAL',
          labels: ['service::checkout'],
        });
        expect(opened.created_at).toBe(new Date(f.now()).toISOString());
        f.advance(30 * MINUTE);
        f.closeIssue('acme/checkout-api', iid);
        const closed = (await call(f, path)).json[0];
        expect(closed).toMatchObject({ state: 'closed', closed_at: new Date(f.now()).toISOString() });
        expect(closed.updated_at).toBe(closed.closed_at);
        f.advance(MINUTE);
        f.reopenIssue('acme/checkout-api', iid);
        expect((await call(f, path)).json[0]).toMatchObject({ state: 'opened', closed_at: null, closed_by: null });
        f.advance(MINUTE);
        f.setIssueLabels('acme/checkout-api', iid, ['service::checkout', 'postmortem']);
        expect((await call(f, path)).json[0]).toMatchObject({
          labels: ['service::checkout', 'postmortem'],
          updated_at: new Date(f.now()).toISOString(),
        });
        f.deleteIssue('acme/checkout-api', iid);
        expect((await call(f, path)).json).toEqual([]);
        f.setIssuesEnabled('acme/checkout-api', false);
        const all = `/projects/${encodeURIComponent('acme/checkout-api')}/issues`;
        expect(f.project('acme/checkout-api').issues.some((i) => !i.deleted)).toBe(true);
        const off = await call(f, all);
        expect(off.status).toBe(200);
        expect(off.json).toEqual([]);
        expect((await call(f, `/projects/${encodeURIComponent('acme/checkout-api')}`)).json).toMatchObject({
          issues_enabled: false,
          issues_access_level: 'disabled',
        });
      });
    });
  });

  describe('rate limits and faults', () => {
    it('sends RateLimit headers and a text/plain 429 with Retry-After past the per-minute budget', async () => {
      await withFake({ rateLimitPerMinute: 3 }, async (f) => {
        const remaining: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await call(f, '/user');
          expect(res.status).toBe(200);
          expect(res.headers.get('ratelimit-name')).toBe('throttle_authenticated_api');
          expect(res.headers.get('ratelimit-limit')).toBe('3');
          remaining.push(res.headers.get('ratelimit-remaining') ?? '');
        }
        expect(remaining).toEqual(['2', '1', '0']);
        const limited = await call(f, '/user');
        expect(limited.status).toBe(429);
        expect(limited.headers.get('content-type')).toBe('text/plain');
        expect(limited.text.trim()).toBe('Retry later');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(limited.headers.get('ratelimit-resettime')).toMatch(/GMT$/);
        expect(limited.headers.get('ratelimit-observed')).toBe('4');
        expect(Number(limited.headers.get('ratelimit-reset'))).toBe(Math.floor((f.now() + MINUTE) / MINUTE) * 60);
        f.advance(MINUTE);
        expect((await call(f, '/user')).status).toBe(200);
      });
    });

    it('fails the next requests on demand: 429 with or without Retry-After, 500, 502/503, truncated bodies', async () => {
      fake.failNext(1, { status: 429 });
      fake.failNext(1, { status: 429, retryAfterSeconds: 7 });
      const first = await call(fake, '/user');
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBeNull();
      expect((await call(fake, '/user')).headers.get('retry-after')).toBe('7');
      fake.failNext(1, { status: 500 });
      expect((await call(fake, '/user')).json).toEqual({ message: '500 Internal Server Error' });
      fake.failNext(1, { status: 503, pathIncludes: '/pipelines' });
      expect((await call(fake, '/user')).status).toBe(200);
      const gateway = await call(fake, `/projects/${STOREFRONT}/pipelines`);
      expect(gateway.status).toBe(503);
      expect(gateway.headers.get('content-type')).toBe('text/html');
      fake.truncateNext(1);
      const cut = await call(fake, `/projects/${STOREFRONT}/pipelines`);
      expect(cut.status).toBe(200);
      expect(cut.json).toBeUndefined();
    });
  });

  describe('OAuth', () => {
    async function authorize(f: FakeGitLab, query: Record<string, string>): Promise<URL> {
      const res = await call(f, `/oauth/authorize?${new URLSearchParams(query)}`, { token: null });
      expect(res.status).toBe(302);
      return new URL(res.headers.get('location') ?? '');
    }

    async function token(f: FakeGitLab, body: Record<string, string>): Promise<Res> {
      return call(f, '/oauth/token', {
        token: null,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    }

    it('runs the authorization-code flow with PKCE, then refreshes with rotation and revokes', async () => {
      await withFake({ oauthTokenTtlSeconds: 120 }, async (f) => {
        const { clientId, clientSecret, redirectUri } = f.oauth;
        const { verifier, challenge } = pkce();
        const base = {
          client_id: clientId,
          redirect_uri: redirectUri,
          response_type: 'code',
          state: 'xyz',
          scope: 'api',
        };
        const back = await authorize(f, { ...base, code_challenge: challenge, code_challenge_method: 'S256' });
        expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
        expect(back.searchParams.get('state')).toBe('xyz');
        const code = back.searchParams.get('code') ?? '';
        const exchange = {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          client_secret: clientSecret,
        };
        const wrong = await token(f, { ...exchange, code_verifier: pkce().verifier });
        expect(wrong.status).toBe(400);
        expect(wrong.json.error).toBe('invalid_grant');
        const granted = await token(f, { ...exchange, code_verifier: verifier });
        expect(granted.status).toBe(200);
        expect(granted.json).toMatchObject({
          token_type: 'Bearer',
          expires_in: 120,
          scope: 'api',
          created_at: Math.floor(NOW / 1000),
        });
        expect((await token(f, { ...exchange, code_verifier: verifier })).json.error).toBe('invalid_grant');
        const bearer = (t: string) => ({ headers: { Authorization: `Bearer ${t}` } });
        const me = await call(f, '/user', bearer(granted.json.access_token));
        expect(me.json.username).toBe('sam.rivera');
        expect(f.requests().at(-1)).toMatchObject({ tokenKind: 'oauth', auth: 'bearer' });

        // Expiry on the fake's clock, then refresh: new pair, the old ones stop working.
        f.advance(121_000);
        const expired = await call(f, '/projects', bearer(granted.json.access_token));
        expect(expired.status).toBe(401);
        expect(expired.json).toEqual(ERRORS.expired_token);
        expect(expired.headers.get('www-authenticate')).toContain('Bearer');
        const refresh = { grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret };
        const rotated = await token(f, { ...refresh, refresh_token: granted.json.refresh_token });
        expect(rotated.status).toBe(200);
        expect(rotated.json.refresh_token).not.toBe(granted.json.refresh_token);
        expect((await call(f, '/projects', bearer(rotated.json.access_token))).status).toBe(200);
        expect((await token(f, { ...refresh, refresh_token: granted.json.refresh_token })).json.error).toBe(
          'invalid_grant',
        );

        const revoke = await call(f, '/oauth/revoke', {
          token: null,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: rotated.json.access_token, client_id: clientId, client_secret: clientSecret }),
        });
        expect(revoke.status).toBe(200);
        const revoked = await call(f, '/user', bearer(rotated.json.access_token));
        expect(revoked.json.error_description).toBe('Token was revoked. You have to re-authorize from the user.');
        expect(JSON.stringify(f.requests())).not.toContain(code);
      });
    });

    it('reports authorize and token errors the way Doorkeeper does', async () => {
      await withFake({}, async (f) => {
        const { clientId, clientSecret, redirectUri } = f.oauth;
        const unknown = await call(
          f,
          `/oauth/authorize?client_id=nope&redirect_uri=${redirectUri}&response_type=code`,
          { token: null },
        );
        expect(unknown.status).toBe(400);
        const badRedirect = await call(
          f,
          `/oauth/authorize?client_id=${clientId}&redirect_uri=http://evil.example/cb&response_type=code`,
          { token: null },
        );
        expect(badRedirect.status).toBe(400);
        const base = { client_id: clientId, redirect_uri: redirectUri, state: 's1' };
        expect((await authorize(f, { ...base, response_type: 'token' })).searchParams.get('error')).toBe(
          'unsupported_response_type',
        );
        expect((await authorize(f, { ...base, response_type: 'code', scope: 'sudo' })).searchParams.get('error')).toBe(
          'invalid_scope',
        );
        f.setOAuthConsent('deny');
        const denied = await authorize(f, { ...base, response_type: 'code' });
        expect(denied.searchParams.get('error')).toBe('access_denied');
        expect(denied.searchParams.get('state')).toBe('s1');
        f.setOAuthConsent('approve');
        f.setOAuthUser('priya.raman');
        const code = (await authorize(f, { ...base, response_type: 'code' })).searchParams.get('code') ?? '';
        const badClient = await token(f, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          client_secret: 'wrong',
        });
        expect(badClient.status).toBe(401);
        expect(badClient.json.error).toBe('invalid_client');
        const ok = await token(f, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          client_secret: clientSecret,
        });
        expect(
          (await call(f, '/user', { headers: { Authorization: `Bearer ${ok.json.access_token}` } })).json.username,
        ).toBe('priya.raman');
        expect(
          (await token(f, { grant_type: 'password', client_id: clientId, client_secret: clientSecret })).json.error,
        ).toBe('unsupported_grant_type');
        const publicApp = f.addOAuthApp({ redirectUri: 'http://localhost:9999/cb', confidential: false });
        const noPkce = await authorize(f, {
          client_id: publicApp.clientId,
          redirect_uri: 'http://localhost:9999/cb',
          response_type: 'code',
        });
        expect(noPkce.searchParams.get('error')).toBe('invalid_request');
      });
    });
  });

  describe('time', () => {
    it('finishes running pipelines and their jobs as the clock advances, and shows new work', async () => {
      await withFake({}, async (f) => {
        const running = await call(f, `/projects/${STOREFRONT}/pipelines?status=running`);
        expect(running.json.length).toBeGreaterThan(0);
        const id = running.json[0].id;
        const before = await call(f, `/projects/${STOREFRONT}/pipelines/${id}`);
        expect(before.json).toMatchObject({ status: 'running', finished_at: null, duration: null });
        const jobs = await call(f, `/projects/${STOREFRONT}/pipelines/${id}/jobs`);
        const statuses = new Set(jobs.json.map((j: Json) => j.status));
        expect([...statuses].some((s) => s === 'running' || s === 'pending')).toBe(true);
        expect(jobs.json.find((j: Json) => j.status === 'running').finished_at).toBeNull();
        const maxUpdated = (await walk(f, `/projects/${STOREFRONT}/pipelines`))
          .map((p: Json) => p.updated_at)
          .sort()
          .at(-1);

        f.advance(3 * 3_600_000);
        const after = await call(f, `/projects/${STOREFRONT}/pipelines/${id}`);
        expect(['success', 'failed']).toContain(after.json.status);
        expect(after.json.finished_at).toMatch(API_TIME);
        expect(after.json.duration).toBeGreaterThan(0);
        const changed = await walk(f, `/projects/${STOREFRONT}/pipelines?updated_after=${maxUpdated}`);
        expect(changed.map((p: Json) => p.id)).toContain(id);
        expect(changed.some((p: Json) => Date.parse(p.created_at) > NOW)).toBe(true);
        const jobsAfter = await call(f, `/projects/${STOREFRONT}/pipelines/${id}/jobs`);
        expect(
          jobsAfter.json.every((j: Json) => ['success', 'failed', 'skipped', 'manual', 'canceled'].includes(j.status)),
        ).toBe(true);
      });
    });

    it('updates merge requests (notes, merges) as time passes, so an updated_after sync sees them again', async () => {
      await withFake({}, async (f) => {
        const open = await walk(f, `/projects/${STOREFRONT}/merge_requests?state=opened`);
        expect(open.length).toBeGreaterThan(0);
        const iid = f.openMergeRequest('acme/storefront', 'amara.okafor');
        const created = await call(f, `/projects/${STOREFRONT}/merge_requests/${iid}`);
        expect(created.json).toMatchObject({ state: 'opened', author: { username: 'amara.okafor' } });
        const cursor = new Date(f.now()).toISOString();
        f.advance(14 * DAY);
        const updated = await walk(
          f,
          `/projects/${STOREFRONT}/merge_requests?updated_after=${cursor}&order_by=updated_at&sort=asc`,
        );
        const older = updated.filter((m: Json) => Date.parse(m.created_at) < NOW);
        expect(older.length).toBeGreaterThan(0);
        const mine = updated.find((m: Json) => m.iid === iid);
        expect(mine).toBeTruthy();
        expect(Date.parse(mine.updated_at)).toBeGreaterThan(Date.parse(cursor));
        expect(updated.some((m: Json) => m.state === 'merged' && Date.parse(m.merged_at) > NOW)).toBe(true);
        const notes = await walk(f, `/projects/${STOREFRONT}/merge_requests/${iid}/notes`);
        expect(notes.length).toBeGreaterThan(1);
      });
    });
  });
});
