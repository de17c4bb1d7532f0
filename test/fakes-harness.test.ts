import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateHarnessData } from './fakes/harness/data.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import type { ExecutionSummaryJson } from './fakes/harness/summary.js';

// Wednesday 5 June 2024, 14:00 UTC: a working afternoon, so some runs are in flight.
const NOW = Date.UTC(2024, 5, 5, 14, 0);
const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FINAL = new Set(['Success', 'Failed', 'Aborted', 'Expired', 'ApprovalRejected']);
const SHOWN = new Set([...FINAL, 'Running', 'ApprovalWaiting']);
const PAGE_MESSAGE =
  'Invalid request: Please Verify Executions list parameters for page and size, page should be >= 0 and size should be > 0 and <=1000';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

interface CallOptions {
  token?: string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

async function call(fake: FakeHarness, method: string, path: string, options: CallOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? fake.token : options.token;
  if (token !== null) headers['x-api-key'] = token;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${fake.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const FILTER = { filterType: 'PipelineExecution' };

function summaryPath(fake: FakeHarness, org: string, project: string, extra = ''): string {
  return `/pipeline/api/pipelines/execution/summary?accountIdentifier=${fake.accountId}&orgIdentifier=${org}&projectIdentifier=${project}${extra}`;
}

function summary(fake: FakeHarness, org: string, project: string, extra = '', options: CallOptions = {}) {
  return call(fake, 'POST', summaryPath(fake, org, project, extra), { body: FILTER, ...options });
}

/** Walks every page of the execution summary the way a connector should (stop on `last`). */
async function allExecutions(fake: FakeHarness, org: string, project: string, body: unknown = FILTER) {
  const items: ExecutionSummaryJson[] = [];
  for (let page = 0; page < 100; page++) {
    const res = await summary(fake, org, project, `&page=${page}&size=100`, { body });
    expect(res.status).toBe(200);
    items.push(...res.json.data.content);
    if (res.json.data.last) break;
  }
  return items;
}

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`./fakes/harness/fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Key paths of `expected` that `actual` lacks or holds with another JSON type (arrays: first element). */
function missingShape(expected: Json, actual: Json, path = ''): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (expected === null) return [];
  if (kind(expected) !== kind(actual)) return [`${path} (${kind(expected)} vs ${kind(actual)})`];
  if (Array.isArray(expected)) {
    return expected.length > 0 && actual.length > 0 ? missingShape(expected[0], actual[0], `${path}[0]`) : [];
  }
  if (typeof expected !== 'object') return [];
  return Object.keys(expected).flatMap((k) =>
    k in actual ? missingShape(expected[k], actual[k], `${path}.${k}`) : [`${path}.${k} (missing)`],
  );
}

function layoutNodes(item: Json): Json[] {
  return Object.values(item.layoutNodeMap);
}

describe('fake Harness NG', () => {
  let fake: FakeHarness;
  // Every execution of the shared fake at NOW, rendered once (rendering ~5,000 runs takes a while).
  let cached: ExecutionSummaryJson[] | undefined;
  const everything = () => (cached ??= fake.executions());

  beforeAll(async () => {
    fake = await startFakeHarness({ seed: 42, now: NOW });
  });
  afterAll(async () => fake.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
  });

  describe('auth', () => {
    it('answers a missing or unknown key with 401 INVALID_TOKEN on every surface', async () => {
      const expected = fixture('synthetic_error_401_invalid_token.json');
      const paths = ['/v1/orgs', `/ng/api/organizations?accountIdentifier=${fake.accountId}`];
      for (const token of [null, 'garbage', `pat.${fake.accountId}.nope.nope`, `${fake.token}x`]) {
        for (const path of paths) {
          const res = await call(fake, 'GET', path, { token });
          expect(res.status).toBe(401);
          expect(res.json).toMatchObject({ status: 'ERROR', code: 'INVALID_TOKEN', message: 'Token is not valid.' });
          expect(missingShape(expected, res.json)).toEqual([]);
          expect(res.json.correlationId).toMatch(UUID);
        }
        expect((await summary(fake, 'payments', 'checkout', '', { token })).status).toBe(401);
      }
    });

    it('answers an expired key with 401 EXPIRED_TOKEN and a revoked one with 401 INVALID_TOKEN', async () => {
      const expired = fake.addKey({ expiresAt: NOW - 1 });
      const res = await call(fake, 'GET', '/v1/orgs', { token: expired });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ code: 'EXPIRED_TOKEN', message: 'Token expired.' });

      const soon = fake.addKey();
      expect((await call(fake, 'GET', '/v1/orgs', { token: soon })).status).toBe(200);
      fake.expireToken(soon);
      expect((await call(fake, 'GET', '/v1/orgs', { token: soon })).json.code).toBe('EXPIRED_TOKEN');

      const revoked = fake.addKey();
      expect((await summary(fake, 'payments', 'checkout', '', { token: revoked })).status).toBe(200);
      fake.revokeToken(revoked);
      const after = await summary(fake, 'payments', 'checkout', '', { token: revoked });
      expect(after.status).toBe(401);
      expect(after.json.code).toBe('INVALID_TOKEN');
    });

    it('refuses a key used with another account with 401 INVALID_TOKEN', async () => {
      const other = `/ng/api/organizations?accountIdentifier=someOtherAccount123456`;
      expect((await call(fake, 'GET', other)).json).toMatchObject({ code: 'INVALID_TOKEN' });
      const pipeline = `/pipeline/api/pipelines/execution/summary?accountIdentifier=x&orgIdentifier=payments&projectIdentifier=checkout`;
      expect((await call(fake, 'POST', pipeline, { body: FILTER })).status).toBe(401);
      const v1 = await call(fake, 'GET', '/v1/orgs', { headers: { 'Harness-Account': 'someOtherAccount' } });
      expect(v1.status).toBe(401);
      const sameAccount = await call(fake, 'GET', '/v1/orgs', { headers: { 'Harness-Account': fake.accountId } });
      expect(sameAccount.status).toBe(200);
      // A token whose own account part names another account.
      const foreign = fake.addKey({ token: 'pat.anotherAccount.tokenIdForeign01.secretsecret' });
      expect((await call(fake, 'GET', '/v1/orgs', { token: foreign })).status).toBe(401);
    });
  });

  describe('permissions', () => {
    it('answers a key without core_pipeline_view with the NG 403 body', async () => {
      const token = fake.addKey({ permissions: ['core_organization_view', 'core_project_view'] });
      const res = await summary(fake, 'payments', 'checkout', '', { token });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({
        status: 'ERROR',
        code: 'NG_ACCESS_DENIED',
        message: 'Missing permission core_pipeline_view on pipeline',
        failedPermissionChecks: [
          {
            resourceScope: {
              accountIdentifier: fake.accountId,
              orgIdentifier: 'payments',
              projectIdentifier: 'checkout',
            },
            resourceType: 'PIPELINE',
            resourceIdentifier: null,
            permission: 'core_pipeline_view',
          },
        ],
      });
      expect(missingShape(fixture('synthetic_error_403_access_denied.json'), res.json)).toEqual([]);
      // The same key still lists orgs and projects.
      expect((await call(fake, 'GET', '/v1/orgs', { token })).status).toBe(200);
      const noOrgs = fake.addKey({ permissions: ['core_pipeline_view'] });
      const orgs = await call(fake, 'GET', '/v1/orgs', { token: noOrgs });
      expect(orgs.status).toBe(403);
      expect(orgs.json.message).toBe('Missing permission core_organization_view on organization');
    });

    it('shows a scoped key only its orgs and projects', async () => {
      const token = fake.addKey({ orgs: ['payments'] });
      const orgs = await call(fake, 'GET', '/v1/orgs', { token });
      expect(orgs.json.map((o: Json) => o.org.identifier)).toEqual(['payments']);
      expect(orgs.headers.get('x-total-elements')).toBe('1');
      expect((await call(fake, 'GET', '/v1/orgs/platform/projects', { token })).status).toBe(403);
      expect(
        (
          await summary(fake, 'platform', fake.data.projects.find((p) => p.org === 'platform')!.identifier, '', {
            token,
          })
        ).status,
      ).toBe(403);
      expect((await summary(fake, 'payments', 'checkout', '', { token })).status).toBe(200);

      const one = fake.addKey({ projects: ['payments/checkout'] });
      const projects = await call(fake, 'GET', '/v1/orgs/payments/projects', { token: one });
      expect(projects.json.map((p: Json) => p.project.identifier)).toEqual(['checkout']);
      const other = fake.data.projects.find((p) => p.org === 'payments' && p.identifier !== 'checkout')!;
      expect((await summary(fake, 'payments', other.identifier, '', { token: one })).status).toBe(403);
    });
  });

  it('can answer denied lists with an empty list instead of 403', async () => {
    const f = await startFakeHarness({ seed: 2, now: NOW, days: 1, deniedLists: 'empty' });
    try {
      const token = f.addKey({ permissions: ['core_pipeline_view'] });
      const orgs = await call(f, 'GET', '/v1/orgs', { token });
      expect(orgs.status).toBe(200);
      expect(orgs.json).toEqual([]);
      expect(orgs.headers.get('x-total-elements')).toBe('0');
      expect((await summary(f, 'payments', 'checkout', '', { token: f.addKey({ permissions: [] }) })).status).toBe(403);
    } finally {
      await f.close();
    }
  });

  describe('/v1 lists', () => {
    it('pages orgs with headers until (page+1)*limit >= X-Total-Elements', async () => {
      const seen: string[] = [];
      let page = 0;
      for (;;) {
        const res = await call(fake, 'GET', `/v1/orgs?page=${page}&limit=1`);
        expect(res.status).toBe(200);
        expect(Array.isArray(res.json)).toBe(true);
        expect(res.headers.get('x-page-number')).toBe(String(page));
        expect(res.headers.get('x-page-size')).toBe('1');
        seen.push(...res.json.map((o: Json) => o.org.identifier));
        const total = Number(res.headers.get('x-total-elements'));
        const link = res.headers.get('link') ?? '';
        expect(link).toContain('rel="self"');
        if ((page + 1) * 1 >= total) {
          expect(link).not.toContain('rel="next"');
          break;
        }
        expect(link).toContain(`page=${page + 1}`);
        page++;
      }
      expect(seen).toEqual(fake.data.orgs.map((o) => o.identifier).sort());
      expect(seen).toEqual(['default', 'mobile', 'payments', 'platform']);
      const beyond = await call(fake, 'GET', `/v1/orgs?page=${seen.length}&limit=1`);
      expect(beyond.json).toEqual([]);
      const first = await call(fake, 'GET', '/v1/orgs');
      expect(first.headers.get('x-page-size')).toBe('20');
      expect(missingShape(fixture('synthetic_v1_orgs.json'), first.json)).toEqual([]);
    });

    it('validates paging and filters projects', async () => {
      for (const q of ['limit=101', 'limit=0', 'page=-1']) {
        const res = await call(fake, 'GET', `/v1/orgs?${q}`);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ status: 'FAILURE', code: 'INVALID_REQUEST' });
      }
      const missing = await call(fake, 'GET', '/v1/orgs/nope/projects');
      expect(missing.status).toBe(404);
      expect(missing.json.code).toBe('RESOURCE_NOT_FOUND');

      const projects = await call(fake, 'GET', '/v1/orgs/payments/projects');
      expect(missingShape(fixture('synthetic_v1_org_projects.json'), projects.json)).toEqual([]);
      const mine = fake.data.projects.filter((p) => p.org === 'payments');
      expect(projects.json.map((p: Json) => p.project.identifier)).toEqual(mine.map((p) => p.identifier).sort());
      const cd = await call(fake, 'GET', '/v1/orgs/payments/projects?module_type=CD');
      expect(cd.json.length).toBe(mine.filter((p) => p.modules.includes('CD')).length);
      const notCd = await call(fake, 'GET', '/v1/orgs/payments/projects?module_type=CD&has_module=false');
      expect(cd.json.length + notCd.json.length).toBe(mine.length);
      const picked = await call(fake, 'GET', '/v1/orgs?org=payments&org=mobile&sort=name&order=DESC');
      expect(picked.json.map((o: Json) => o.org.name)).toEqual(['Payments', 'Mobile']);
    });

    it('answers the same under /gateway', async () => {
      const bare = await call(fake, 'GET', '/v1/orgs/payments/projects');
      const gateway = await call(fake, 'GET', '/gateway/v1/orgs/payments/projects');
      expect(gateway.status).toBe(200);
      expect(gateway.json).toEqual(bare.json);
      const ng = await call(fake, 'GET', `/gateway/ng/api/projects?accountIdentifier=${fake.accountId}`);
      expect(ng.json.status).toBe('SUCCESS');
      const exec = await call(fake, 'POST', `/gateway${summaryPath(fake, 'payments', 'checkout')}`, { body: FILTER });
      expect(exec.json.data.totalElements).toBeGreaterThan(0);
      expect(fake.requests().map((r) => r.gateway)).toEqual([false, true, true, true]);
    });
  });

  describe('/ng/api legacy lists', () => {
    it('pages organizations as ResponseDTO<PageResponse>', async () => {
      const seen: string[] = [];
      for (let pageIndex = 0; ; pageIndex++) {
        const res = await call(
          fake,
          'GET',
          `/ng/api/organizations?accountIdentifier=${fake.accountId}&pageIndex=${pageIndex}&pageSize=3`,
        );
        expect(res.json).toMatchObject({ status: 'SUCCESS', metaData: null, data: { pageIndex, pageSize: 3 } });
        expect(res.json.correlationId).toMatch(UUID);
        expect(missingShape(fixture('synthetic_ng_orgs.page0.json').data, res.json.data)).toEqual([]);
        seen.push(...res.json.data.content.map((o: Json) => o.organization.identifier));
        if (pageIndex + 1 >= res.json.data.totalPages) break;
      }
      expect(seen.sort()).toEqual(fake.data.orgs.map((o) => o.identifier).sort());
    });

    it('lists projects of an org and requires accountIdentifier', async () => {
      const res = await call(fake, 'GET', `/ng/api/projects?accountIdentifier=${fake.accountId}&orgIdentifier=mobile`);
      const items = res.json.data.content;
      expect(items.every((p: Json) => p.project.orgIdentifier === 'mobile')).toBe(true);
      expect(items[0]).toMatchObject({ project: { modules: expect.any(Array) }, createdAt: expect.any(Number) });
      const missing = await call(fake, 'GET', '/ng/api/organizations');
      expect(missing.status).toBe(400);
      expect(missing.json).toMatchObject({
        status: 'FAILURE',
        code: 'INVALID_REQUEST',
        errors: [{ fieldId: 'accountIdentifier', error: 'must not be null' }],
      });
    });
  });

  describe('execution summary', () => {
    it('pages a project as a Spring Page until last', async () => {
      const expected = fake.executions({ org: 'payments', project: 'checkout' }).map((e) => e.planExecutionId);
      const first = await summary(fake, 'payments', 'checkout', '&size=25');
      const data = first.json.data;
      expect(first.json).toMatchObject({ status: 'SUCCESS', metaData: null });
      expect(data).toMatchObject({
        totalElements: expected.length,
        totalPages: Math.ceil(expected.length / 25),
        number: 0,
        size: 25,
        numberOfElements: 25,
        first: true,
        last: false,
        empty: false,
        pageable: { pageNumber: 0, pageSize: 25, offset: 0, paged: true, unpaged: false, sort: { sorted: true } },
        sort: { sorted: true, unsorted: false, empty: false },
      });
      const lastPage = data.totalPages - 1;
      const last = await summary(fake, 'payments', 'checkout', `&size=25&page=${lastPage}`);
      expect(last.json.data).toMatchObject({
        last: true,
        first: false,
        number: lastPage,
        numberOfElements: expected.length - lastPage * 25,
      });
      expect(last.json.data.pageable.offset).toBe(lastPage * 25);
      const walked = await allExecutions(fake, 'payments', 'checkout');
      expect(walked.map((e) => e.planExecutionId)).toEqual(expected);
      const empty = await summary(fake, 'default', 'default_project');
      expect(empty.json.data).toMatchObject({ totalElements: 0, totalPages: 0, empty: true, last: true, content: [] });
    });

    it('refuses size 0, size 1001 and page -1 with the documented message', async () => {
      for (const q of ['&size=0', '&size=1001', '&page=-1']) {
        const res = await summary(fake, 'payments', 'checkout', q);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ status: 'ERROR', code: 'INVALID_REQUEST', message: PAGE_MESSAGE });
        expect(res.json.message).toBe(fixture('synthetic_error_400_bad_page.json').message);
      }
      expect((await summary(fake, 'payments', 'checkout', '&size=1000')).status).toBe(200);
    });

    it('requires the three identifiers and a PipelineExecution filterType', async () => {
      for (const name of ['accountIdentifier', 'orgIdentifier', 'projectIdentifier']) {
        const params = new URLSearchParams({
          accountIdentifier: fake.accountId,
          orgIdentifier: 'payments',
          projectIdentifier: 'checkout',
        });
        params.delete(name);
        const res = await call(fake, 'POST', `/pipeline/api/pipelines/execution/summary?${params}`, { body: FILTER });
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ status: 'FAILURE', errors: [{ fieldId: name, error: 'must not be null' }] });
      }
      const noType = await summary(fake, 'payments', 'checkout', '', {
        body: { timeRange: { startTime: 0, endTime: NOW } },
      });
      expect(noType.status).toBe(400);
      expect(noType.json.message).toContain("missing type id property 'filterType'");
      expect((await summary(fake, 'payments', 'checkout', '', { raw: '' })).status).toBe(400);
      expect((await summary(fake, 'payments', 'checkout', '', { body: { filterType: 'PipelineSetup' } })).status).toBe(
        400,
      );
      expect((await summary(fake, 'payments', 'checkout', '', { raw: '{"filterType":' })).status).toBe(400);
    });

    it('filters on startTs with timeRange, inclusive', async () => {
      const all = fake.executions({ org: 'payments', project: 'checkout' });
      const startTime = NOW - 10 * DAY;
      const endTime = NOW - 3 * DAY;
      const body = { ...FILTER, timeRange: { startTime, endTime } };
      const got = await allExecutions(fake, 'payments', 'checkout', body);
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((e) => e.startTs >= startTime && e.startTs <= endTime)).toBe(true);
      expect(got.length).toBe(all.filter((e) => e.startTs >= startTime && e.startTs <= endTime).length);
      const exact = all[5]!;
      const point = await allExecutions(fake, 'payments', 'checkout', {
        ...FILTER,
        timeRange: { startTime: exact.startTs, endTime: exact.startTs },
      });
      expect(point.map((e) => e.planExecutionId)).toEqual([exact.planExecutionId]);
    });

    it('filters on status (body and query), pipeline and ids; sorts', async () => {
      const all = fake.executions({ org: 'payments', project: 'checkout' });
      const failed = await allExecutions(fake, 'payments', 'checkout', { ...FILTER, status: ['Failed', 'ABORTED'] });
      expect(failed.length).toBe(all.filter((e) => e.status === 'Failed' || e.status === 'Aborted').length);
      const q = await summary(fake, 'payments', 'checkout', '&status=Success&size=1000');
      expect(q.json.data.content.every((e: Json) => e.status === 'Success')).toBe(true);
      const bad = await summary(fake, 'payments', 'checkout', '', { body: { ...FILTER, status: ['Green'] } });
      expect(bad.status).toBe(400);
      expect(bad.json.message).toContain('Invalid value:Green');

      const pipeline = all[0]!.pipelineIdentifier;
      const byQuery = await summary(fake, 'payments', 'checkout', `&pipelineIdentifier=${pipeline}&size=1000`);
      expect(byQuery.json.data.totalElements).toBe(all.filter((e) => e.pipelineIdentifier === pipeline).length);
      const ids = [all[1]!.planExecutionId, all[7]!.planExecutionId];
      const byIds = await summary(fake, 'payments', 'checkout', '', { body: { ...FILTER, planExecutionIds: ids } });
      expect(byIds.json.data.content.map((e: Json) => e.planExecutionId)).toEqual(ids);

      const asc = await summary(fake, 'payments', 'checkout', '&sort=startTs,ASC&size=50');
      const starts = asc.json.data.content.map((e: Json) => e.startTs);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      expect(starts[0]).toBe(all.at(-1)!.startTs);
      const byName = await summary(fake, 'payments', 'checkout', '&sort=name,DESC&size=1000');
      const names = byName.json.data.content.map((e: Json) => e.name);
      expect(names).toEqual([...names].sort().reverse());
      const badSort = await summary(fake, 'payments', 'checkout', '&sort=createdAt,DESC');
      expect(badSort.status).toBe(400);
      expect(badSort.json.message).toContain('Please Verify Executions list parameters for sort criteria');
    });

    it('serves the cursor outline over the same executions', async () => {
      const expected = fake.executions({ org: 'payments', project: 'checkout' }).map((e) => e.planExecutionId);
      const seen: string[] = [];
      let cursor = '';
      for (let i = 0; i < 100; i++) {
        const res = await call(
          fake,
          'POST',
          `${summaryPath(fake, 'payments', 'checkout').replace('/summary', '/summary/outline')}&size=200${cursor}`,
          { body: FILTER },
        );
        const data = res.json.data;
        seen.push(...data.content.map((e: Json) => e.planExecutionId));
        if (!data.hasMore) break;
        cursor = `&lastSeenExecutionId=${data.lastSeenExecutionId}&lastSeenStartTime=${data.lastSeenStartTime}`;
      }
      expect(seen).toEqual(expected);
    });

    it('keeps the shapes of the reference fixture', async () => {
      const ref = fixture('synthetic_execution_summary.page0.json');
      const [refCi, refCd] = ref.data.content;
      const items = everything();
      const ci = items.find((e) => e.status === 'Failed' && e.moduleInfo.ci?.ciExecutionInfoDTO?.event === 'branch');
      const cd = items.find(
        (e) => e.status === 'Success' && e.moduleInfo.cd && e.executionTriggerInfo.triggerType === 'MANUAL',
      );
      const strip = (item: Json) => ({ ...item, layoutNodeMap: {} });
      expect(missingShape(strip(refCi), strip(ci))).toEqual([]);
      expect(missingShape(strip(refCd), strip(cd))).toEqual([]);
      const ciStage = layoutNodes(ci).find((n) => n.status === 'Failed');
      expect(missingShape(layoutNodes(refCi)[0], ciStage)).toEqual([]);
      const cdStage = layoutNodes(cd).find((n) => n.nodeType === 'Deployment');
      expect(missingShape(layoutNodes(refCd)[0], cdStage)).toEqual([]);
      const page = await summary(fake, 'payments', 'checkout', '&size=2');
      expect(
        missingShape(
          { ...ref, data: { ...ref.data, content: [] } },
          { ...page.json, data: { ...page.json.data, content: [] } },
        ),
      ).toEqual([]);
    });
  });

  describe('data', () => {
    it('has a realistic account: orgs, projects, pipelines and 90 days of runs', () => {
      const catalogOrgs = fake.data.orgs.filter((o) => o.identifier !== 'default');
      expect(catalogOrgs.map((o) => o.identifier)).toEqual(['payments', 'platform', 'mobile']);
      for (const org of catalogOrgs) {
        const projects = fake.data.projects.filter((p) => p.org === org.identifier);
        expect(projects.length).toBeGreaterThanOrEqual(2);
        expect(projects.length).toBeLessThanOrEqual(4);
        expect(org.name).toMatch(/^[A-Z]/);
        for (const project of projects) {
          const pipelines = fake.data.pipelines.filter(
            (p) => p.org === project.org && p.project === project.identifier,
          );
          expect(pipelines.length).toBeGreaterThanOrEqual(1);
          expect(pipelines.length).toBeLessThanOrEqual(4);
          expect(pipelines.some((p) => p.flavor === 'build')).toBe(true);
          expect(pipelines.some((p) => p.module === 'cd')).toBe(project.modules.includes('CD'));
          const runs = everything().filter(
            (r) => r.orgIdentifier === project.org && r.projectIdentifier === project.identifier,
          );
          expect(runs.length).toBeGreaterThan(200);
          const oldest = Math.min(...runs.map((r) => r.startTs));
          expect(oldest).toBeGreaterThanOrEqual(NOW - 90 * DAY);
          expect(oldest).toBeLessThan(NOW - 85 * DAY);
        }
      }
      expect(fake.executions({ org: 'default' })).toEqual([]);
    });

    it('uses PascalCase statuses with a realistic mix, and per-pipeline run sequences', () => {
      const runs = everything();
      const counts = new Map<string, number>();
      for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      expect([...counts.keys()].every((s) => SHOWN.has(s))).toBe(true);
      expect(counts.get('Success')! / runs.length).toBeGreaterThan(0.7);
      for (const s of ['Failed', 'Aborted', 'Expired', 'Running']) expect(counts.get(s)).toBeGreaterThan(0);
      const byPipeline = new Map<string, ExecutionSummaryJson[]>();
      for (const r of runs)
        byPipeline.set(`${r.orgIdentifier}/${r.pipelineIdentifier}`, [
          ...(byPipeline.get(`${r.orgIdentifier}/${r.pipelineIdentifier}`) ?? []),
          r,
        ]);
      for (const list of byPipeline.values()) {
        const ordered = [...list].sort((a, b) => a.startTs - b.startTs).map((r) => r.runSequence);
        expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
        expect(new Set(ordered).size).toBe(ordered.length);
      }
      expect(runs.every((r) => /^[A-Za-z0-9_-]{22}$/.test(r.planExecutionId))).toBe(true);
    });

    it('gives CI runs commits and CD runs environments and artifacts', () => {
      const runs = everything();
      const ci = runs.filter((r) => r.modules.includes('ci'));
      const cd = runs.filter((r) => r.modules.includes('cd'));
      expect(ci.length).toBeGreaterThan(0);
      expect(cd.length).toBeGreaterThan(0);
      // Collect offenders and assert once: thousands of expect() calls are slow.
      const badCi = ci
        .filter((r) => r.executionTriggerInfo.triggerType === 'WEBHOOK')
        .filter((r) => {
          const info = r.moduleInfo.ci?.ciExecutionInfoDTO;
          const head = (info?.branch?.commits ?? info?.pullRequest?.commits ?? [])[0];
          return !(
            head &&
            /^[0-9a-f]{40}$/.test(head.id) &&
            head.ownerEmail.endsWith('@example.com') &&
            head.timeStamp < r.startTs &&
            r.moduleInfo.ci?.repoName
          );
        });
      expect(badCi.map((r) => r.planExecutionId)).toEqual([]);
      const badCd = cd
        .filter((r) => r.status !== 'Running')
        .filter((r) => {
          const info = r.moduleInfo.cd;
          const stage = layoutNodes(r).find((n) => n.nodeType === 'Deployment');
          return !(
            info &&
            info.environmentTypes.length > 0 &&
            info.environmentTypes.every((t) => t === 'Production' || t === 'PreProduction') &&
            info.envIdentifiers.every((e) => ['qa', 'staging', 'prod'].includes(e)) &&
            /:[0-9a-f]{7}$/.test(info.artifactDisplayNames[0] ?? '') &&
            stage?.nodeGroup === 'STAGE' &&
            stage.moduleInfo.cd.serviceInfo.identifier === info.serviceIdentifiers[0]
          );
        });
      expect(badCd.map((r) => r.planExecutionId)).toEqual([]);
      const triggers = new Set(runs.map((r) => r.executionTriggerInfo.triggerType));
      expect(triggers).toContain('MANUAL');
      expect(triggers).toContain('WEBHOOK');
      const manual = runs.find((r) => r.executionTriggerInfo.triggerType === 'MANUAL')!;
      expect(manual.executionTriggerInfo.triggeredBy.extraInfo.email).toMatch(/@example\.com$/);
    });

    it('follows failed production deploys with successful ones', () => {
      const runs = [...everything()].sort((a, b) => a.startTs - b.startTs);
      const prodFailures = runs.filter(
        (r) =>
          r.status === 'Failed' &&
          layoutNodes(r).some((n) => n.nodeIdentifier === 'deploy_prod' && n.status === 'Failed'),
      );
      expect(prodFailures.length).toBeGreaterThan(0);
      for (const failure of prodFailures) {
        const restored = runs.find(
          (r) =>
            r.projectIdentifier === failure.projectIdentifier &&
            r.orgIdentifier === failure.orgIdentifier &&
            r.startTs > failure.endTs! &&
            r.status === 'Success' &&
            r.moduleInfo.cd?.envIdentifiers.includes('prod'),
        );
        if (failure.startTs < NOW - DAY) expect(restored, failure.planExecutionId).toBeDefined();
      }
    });

    it('is deterministic per seed', () => {
      const render = (seed: number) => {
        const data = generateHarnessData({ seed, now: NOW, days: 7 });
        return JSON.stringify({ id: data.accountId, runs: data.visible(NOW).map((p) => data.render(p, NOW)) });
      };
      expect(render(5)).toBe(render(5));
      expect(render(5)).not.toBe(render(6));
    });
  });

  describe('clock', () => {
    it('finishes running executions when time advances, and reveals planned ones', async () => {
      const f = await startFakeHarness({ seed: 9, now: NOW, days: 5 });
      try {
        const running = f.executions().filter((e) => !FINAL.has(e.status));
        expect(running.length).toBeGreaterThanOrEqual(2);
        for (const e of running) {
          expect(e.endTs).toBeUndefined();
          expect(e).not.toHaveProperty('endTs');
          expect(layoutNodes(e).some((n) => n.status === 'Running' || n.status === 'ApprovalWaiting')).toBe(true);
        }
        const before = f.executions().length;
        f.advance(3 * 3_600_000);
        const ids = new Set(running.map((e) => e.planExecutionId));
        const later = f.executions().filter((e) => ids.has(e.planExecutionId));
        for (const e of later) {
          expect(FINAL.has(e.status)).toBe(true);
          expect(e.endTs).toBeGreaterThan(e.startTs);
          expect(layoutNodes(e).every((n) => n.status !== 'Running')).toBe(true);
        }
        expect(f.executions().length).toBeGreaterThan(before);
        const { org, project } = f.data.pipelines[0]!;
        const res = await call(f, 'POST', summaryPath(f, org, project, '&size=1000'), { body: FILTER });
        expect(res.json.data.content.every((e: Json) => FINAL.has(e.status) || e.endTs === undefined)).toBe(true);
      } finally {
        await f.close();
      }
    });

    it('can follow the wall clock (for demos)', async () => {
      const f = await startFakeHarness({ seed: 4, now: NOW, days: 1, clock: 'wall' });
      try {
        const start = f.now();
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(f.now()).toBeGreaterThanOrEqual(start + 25);
        f.advance(DAY);
        expect(f.now()).toBeGreaterThanOrEqual(start + DAY);
        expect(() => f.advance(-1)).toThrow();
      } finally {
        await f.close();
      }
    });

    it('adds executions at runtime for incremental syncs', async () => {
      const f = await startFakeHarness({ seed: 11, now: NOW, days: 3, futureHours: 0 });
      try {
        const pipeline = f.data.pipelines.find((p) => p.flavor === 'build')!;
        const previous = f
          .executions({ org: pipeline.org, project: pipeline.project })
          .filter((e) => e.pipelineIdentifier === pipeline.identifier);
        const added = f.addExecution({
          org: pipeline.org,
          project: pipeline.project,
          pipeline: pipeline.identifier,
          status: 'Failed',
          durationMs: 600_000,
        });
        expect(added).toMatchObject({ status: 'Running', startTs: NOW });
        expect(added).not.toHaveProperty('endTs');
        expect(added.runSequence).toBe(Math.max(...previous.map((e) => e.runSequence)) + 1);
        const body = { ...FILTER, timeRange: { startTime: NOW, endTime: NOW + DAY } };
        const first = await call(f, 'POST', summaryPath(f, pipeline.org, pipeline.project), { body });
        expect(first.json.data.content.map((e: Json) => e.planExecutionId)).toEqual([added.planExecutionId]);
        f.advance(600_000);
        const second = await call(f, 'POST', summaryPath(f, pipeline.org, pipeline.project), { body });
        expect(second.json.data.content[0]).toMatchObject({ status: 'Failed', endTs: NOW + 600_000 });
        const ticked = f.tick(3);
        expect(ticked).toHaveLength(3);
        expect(ticked.every((e) => e.startTs === NOW + 600_000)).toBe(true);
        expect(f.requests().every((r) => (r.body as Json).timeRange.startTime === NOW)).toBe(true);
        expect(() => f.addExecution({ org: 'x', project: 'y', pipeline: 'z' })).toThrow(/unknown pipeline/);
      } finally {
        await f.close();
      }
    });
  });

  describe('faults', () => {
    it('sends 429 on every Nth request, with and without Retry-After', async () => {
      fake.setRateLimit({ everyNth: 3, retryAfterSeconds: 7 });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const res = await call(fake, 'GET', '/v1/orgs');
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
      expect(retryAfter).toBe('7');
      fake.setRateLimit({ everyNth: 1 });
      const bare = await call(fake, 'GET', '/v1/orgs');
      expect(bare.status).toBe(429);
      expect(bare.headers.get('retry-after')).toBeNull();
      fake.setRateLimit(null);
      expect((await call(fake, 'GET', '/v1/orgs')).status).toBe(200);
    });

    it('runs a 5xx storm, then recovers', async () => {
      fake.failNext(3, { status: 503 });
      fake.failNext(1, { status: 500 });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await summary(fake, 'payments', 'checkout');
        statuses.push(res.status);
        if (res.status === 503) expect(res.headers.get('content-type')).toContain('text/html');
        if (res.status === 500) expect(res.json).toMatchObject({ status: 'ERROR', code: 'UNEXPECTED' });
      }
      expect(statuses).toEqual([503, 503, 503, 500, 200]);
      fake.failNext(2, { status: 429, pathIncludes: '/pipeline/' });
      expect((await call(fake, 'GET', '/v1/orgs')).status).toBe(200);
      expect((await summary(fake, 'payments', 'checkout')).status).toBe(429);
      expect(
        fake
          .requests()
          .map((r) => r.status)
          .slice(-2),
      ).toEqual([200, 429]);
    });

    it('takes faults as start options too', async () => {
      const f = await startFakeHarness({
        seed: 3,
        now: NOW,
        days: 1,
        failNext: [{ count: 2, fault: { status: 502 } }],
        truncateNext: { count: 1 },
        rateLimit: { everyNth: 4 },
      });
      try {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await call(f, 'GET', '/v1/orgs')).status);
        expect(statuses).toEqual([502, 502, 200, 429]);
        expect(f.requests()[2]!.status).toBe(200);
      } finally {
        await f.close();
      }
    });

    it('limits requests per key per minute of the fake clock', async () => {
      const f = await startFakeHarness({ seed: 3, now: NOW, days: 1, rateLimitPerMinute: 3 });
      try {
        const other = f.addKey();
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await call(f, 'GET', '/v1/orgs')).status);
        expect(statuses).toEqual([200, 200, 200, 429]);
        expect((await call(f, 'GET', '/v1/orgs', { token: other })).status).toBe(200);
        f.advance(60_000);
        expect((await call(f, 'GET', '/v1/orgs')).status).toBe(200);
        f.setRateLimitPerMinute(0, true);
        const limited = await call(f, 'GET', '/v1/orgs');
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await f.close();
      }
    });

    it('adds latency and truncates bodies on demand', async () => {
      fake.setLatency(60);
      const started = performance.now();
      expect((await call(fake, 'GET', '/v1/orgs')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      fake.setLatency(0);
      fake.truncateNext(1);
      const cut = await summary(fake, 'payments', 'checkout');
      expect(cut.status).toBe(200);
      expect(cut.json).toBeUndefined();
      expect(() => JSON.parse(cut.text)).toThrow();
      fake.truncateNext(1, 'socket');
      await expect(summary(fake, 'payments', 'checkout')).rejects.toThrow();
      expect((await summary(fake, 'payments', 'checkout')).json.status).toBe('SUCCESS');
    });

    it('logs each request with method, path, query, body and status', async () => {
      await summary(fake, 'payments', 'checkout', '&page=2&size=5&status=Success&status=Failed');
      await call(fake, 'GET', '/gateway/v1/orgs?limit=1', { token: null });
      const [exec, orgs] = fake.requests();
      expect(exec).toMatchObject({
        method: 'POST',
        path: '/pipeline/api/pipelines/execution/summary',
        gateway: false,
        query: { page: ['2'], size: ['5'], status: ['Success', 'Failed'], orgIdentifier: ['payments'] },
        body: FILTER,
        status: 200,
        at: NOW,
      });
      expect(orgs).toMatchObject({ method: 'GET', path: '/v1/orgs', gateway: true, status: 401 });
    });
  });
});
