import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorLogEvent, NormalizeMeta, RawPage } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { startFakeGitLab, type FakeGitLab } from './fakes/gitlab/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

const HOUR = 3_600_000;
const GUEST_PROJECT = 'data/dashboards';
// Its incidents exist upstream, but its issues feature is turned off: GitLab lists none.
const ISSUES_OFF = 'mobile/android-app';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface IncidentRow {
  incident_key: string;
  repo_key: string;
  source: string;
  title: string;
  state: string;
  severity: string;
  labels: string[];
  services: string[];
  web_url: string;
  opened_at: string;
  resolved_at: string | null;
  updated_at: string;
}

/** Everything a list endpoint of the fake answers, page by page. */
async function upstream(fake: FakeGitLab, path: string, query: Record<string, string> = {}): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = '1'; page !== '';) {
    const q = new URLSearchParams({ ...query, per_page: '100', page });
    const res = await fetch(`${fake.apiUrl}${path}?${q}`, { headers: { 'PRIVATE-TOKEN': fake.token } });
    expect(res.status, path).toBe(200);
    out.push(...((await res.json()) as Json[]));
    page = res.headers.get('x-next-page') ?? '';
  }
  return out;
}

const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

describe.each(STORES)('GitLab incidents on %s', (kind) => {
  let fake: FakeGitLab;
  let s: TestServer;
  let id: string;
  /** An incident opened by hand before the first sync, closed before the second. */
  let toClose: number;

  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 11, days: 20, pipelinesPerDay: 6, groups: 3 });
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

  const sync = async (mode: 'incremental' | 'full' = 'incremental') => {
    const queued = await s.api('POST', `/v1/integrations/${id}/sync`, { mode });
    expect(queued.status).toBe(202);
    await s.worker.runNext();
    return (await s.api('GET', `/v1/sync/jobs/${queued.body.id}`)).body;
  };

  const stored = async (): Promise<IncidentRow[]> =>
    (
      await s.db.query<IncidentRow & { opened_at: Date; resolved_at: Date | null; updated_at: Date }>(
        `SELECT incident_key, repo_key, source, title, state, severity, labels, services, web_url, opened_at,
           resolved_at, updated_at FROM incidents WHERE integration_id = $1 ORDER BY incident_key`,
        [id],
      )
    ).map((r) => ({
      ...r,
      opened_at: r.opened_at.toISOString(),
      resolved_at: r.resolved_at === null ? null : r.resolved_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    }));

  /** What the store must hold: every incident GitLab lists for the projects in scope, mapped by hand. */
  const expected = async (): Promise<IncidentRow[]> => {
    const projects = (await upstream(fake, '/projects', { membership: 'true' })).filter(
      (p) => p.path_with_namespace !== GUEST_PROJECT,
    );
    const since = new Date(fake.now() - 30 * 24 * HOUR).toISOString();
    const rows: IncidentRow[] = [];
    for (const p of projects) {
      const issues = await upstream(fake, `/projects/${p.id}/issues`, { issue_type: 'incident', updated_after: since });
      for (const i of issues) {
        rows.push({
          incident_key: `${p.id}#${i.iid}`,
          repo_key: String(p.id),
          source: 'gitlab',
          title: i.title,
          state: i.state,
          severity: i.severity,
          labels: i.labels,
          services: i.labels
            .filter((l: string) => l.startsWith('service::'))
            .map((l: string) => l.slice('service::'.length)),
          web_url: i.web_url,
          opened_at: iso(i.created_at)!,
          resolved_at: i.state === 'closed' ? iso(i.closed_at) : null,
          updated_at: iso(i.updated_at)!,
        });
      }
    }
    return rows.sort((a, b) => (a.incident_key < b.incident_key ? -1 : 1));
  };

  it('a full sync stores every incident of the projects in scope, with its fields, and no plain issue', async () => {
    fake.setIssuesEnabled(ISSUES_OFF, false);
    toClose = fake.openIncident('acme/checkout-api', {
      title: 'Checkout down',
      labels: ['service::acme/checkout-api', 'customer-impact'],
      severity: 'CRITICAL',
    });
    fake.clearRequests();
    const job = await sync();
    expect(job.status, JSON.stringify(job.streams)).toBe('succeeded');
    const requests = [...fake.requests()]; // before the oracle below adds its own
    expect(job.streams.map((x: { stream: string }) => x.stream).at(-1)).toBe('incidents');
    const rows = await stored();
    expect(rows).toEqual(await expected());
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((r) => r.state === 'closed' && r.resolved_at !== null)).toBe(true);
    expect(rows.some((r) => r.state === 'opened' && r.resolved_at === null)).toBe(true);
    // The seeded incidents name their project's service; infrastructure ones the web services too.
    expect(rows.every((r) => r.services.length > 0)).toBe(true);
    expect(rows.find((r) => r.title === 'Checkout down')).toMatchObject({
      severity: 'CRITICAL',
      labels: ['service::acme/checkout-api', 'customer-impact'],
      services: ['acme/checkout-api'],
    });
    // Plain issues exist upstream, none is stored; the project with issues turned off stores none.
    const off = fake.project(ISSUES_OFF);
    expect(off.issues.some((i) => i.type === 'incident')).toBe(true);
    expect(rows.some((r) => r.repo_key === String(off.id))).toBe(false);
    expect(fake.world.projects.some((p) => p.issues.some((i) => i.type === 'issue'))).toBe(true);
    // Each project's issues were asked for incidents only, sorted by update time, from a cursor.
    const lists = requests.filter((r) => /\/issues$/.test(r.path));
    expect(lists.length).toBeGreaterThanOrEqual(5);
    for (const r of lists) {
      expect(r.query).toMatchObject({
        issue_type: ['incident'],
        order_by: ['updated_at'],
        sort: ['asc'],
        scope: ['all'],
        state: ['all'],
      });
      expect(r.query['updated_after']).toBeDefined();
    }
  });

  it('an incremental sync picks up a newly opened, a newly closed and a reopened incident', async () => {
    const before = await stored();
    const reopen = before.find(
      (r) => r.state === 'closed' && r.repo_key !== String(fake.project('acme/checkout-api').id),
    )!;
    expect(reopen).toBeDefined();
    const [reopenRepo, reopenIid] = reopen.incident_key.split('#');
    fake.advance(2 * HOUR);
    fake.closeIssue('acme/checkout-api', toClose);
    const closedAt = new Date(fake.now()).toISOString();
    fake.advance(10 * 60_000);
    const opened = fake.openIncident('acme/storefront', {
      title: 'Storefront 502s',
      labels: ['service::acme/storefront', 'service::acme/checkout-api', 'environment::production'],
      severity: 'HIGH',
    });
    const openedAt = new Date(fake.now()).toISOString();
    fake.reopenIssue(reopenRepo!, Number(reopenIid));
    fake.advance(60_000);
    fake.clearRequests();
    const job = await sync();
    expect(job.status, JSON.stringify(job.streams)).toBe('succeeded');
    const requests = [...fake.requests()]; // before the oracle below adds its own
    const rows = await stored();
    expect(rows).toEqual(await expected());
    const checkout = fake.project('acme/checkout-api').id;
    const storefront = fake.project('acme/storefront').id;
    expect(rows.find((r) => r.incident_key === `${checkout}#${toClose}`)).toMatchObject({
      state: 'closed',
      resolved_at: closedAt,
    });
    expect(rows.find((r) => r.incident_key === `${storefront}#${opened}`)).toMatchObject({
      repo_key: String(storefront),
      state: 'opened',
      opened_at: openedAt,
      resolved_at: null,
      services: ['acme/storefront', 'acme/checkout-api'],
    });
    expect(rows.find((r) => r.incident_key === reopen.incident_key)).toMatchObject({
      state: 'opened',
      resolved_at: null,
    });
    expect(
      rows.filter((r) => !before.some((b) => b.incident_key === r.incident_key)).map((r) => r.incident_key),
    ).toContain(`${storefront}#${opened}`);
    // Only what changed lately was asked for.
    const lists = requests.filter((r) => /\/issues$/.test(r.path));
    expect(lists.length).toBeGreaterThan(0);
    for (const r of lists) expect(Date.parse(String(r.query['updated_after']))).toBeGreaterThan(fake.now() - 4 * HOUR);
  });

  it('replay rebuilds the incidents from the raw records', async () => {
    const before = await stored();
    expect(before.length).toBeGreaterThan(0);
    await s.db.query(`UPDATE incidents SET title = 'tampered', services = '{}' WHERE integration_id = $1`, [id]);
    await s.db.query(`DELETE FROM incidents WHERE integration_id = $1 AND incident_key = $2`, [
      id,
      before[0]!.incident_key,
    ]);
    // A row no raw record makes (say, from an older mapping) must not survive the rebuild.
    await s.db.query(
      `INSERT INTO incidents (tenant_id, integration_id, source, incident_key, title, state, opened_at, updated_at)
       SELECT tenant_id, integration_id, source, 'stale#1', 'stale', 'opened', now(), now() FROM incidents
       WHERE integration_id = $1 LIMIT 1`,
      [id],
    );
    expect((await stored()).length).toBe(before.length);
    const res = await s.api('POST', `/v1/integrations/${id}/replay`, {});
    expect(res.status).toBe(200);
    expect(await stored()).toEqual(before);
  });
});

describe('GitLab incidents stream', () => {
  let fake: FakeGitLab;
  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 3, days: 10, pipelinesPerDay: 4, groups: 1 });
  });
  afterAll(async () => fake.close());

  it('skips a project whose issues answer 403 or 404 with a log line, and syncs the others', async () => {
    const logs: ConnectorLogEvent[] = [];
    const storefront = fake.project('acme/storefront');
    const infra = fake.project('acme/platform/infra');
    fake.openIncident(storefront.id);
    fake.openIncident(infra.id);
    fake.failNext(1, { status: 403, pathIncludes: `/projects/${storefront.id}/issues` });
    fake.failNext(1, { status: 404, pathIncludes: `/projects/${infra.id}/issues` });
    const ctx = {
      settings: { url: fake.url, token: fake.token },
      clock: { now: () => fake.now() },
      sleep: async () => {},
      signal: new AbortController().signal,
      log: (e: ConnectorLogEvent) => logs.push(e),
      memo: new Map<string, unknown>(),
    };
    const pages: RawPage[] = [];
    for await (const page of gitlabConnector.collect(ctx, { stream: 'incidents', cursors: new Map(), full: true }))
      pages.push(page);
    const scopes = new Set(pages.map((p) => p.scope));
    expect(scopes.has(String(storefront.id))).toBe(false);
    expect(scopes.has(String(infra.id))).toBe(false);
    expect(scopes.has(String(fake.project('acme/checkout-api').id))).toBe(true);
    expect(logs.filter((l) => l.msg === 'project skipped')).toEqual([
      expect.objectContaining({ level: 'warn', stream: 'incidents', project: 'acme/storefront', status: 403 }),
      expect.objectContaining({ level: 'warn', stream: 'incidents', project: 'acme/platform/infra', status: 404 }),
    ]);
    // Every page carries the window cursor of its project.
    for (const p of pages) expect(p.cursor).toEqual({ since: expect.any(String) });
  });
});

describe('GitLab incidents normalize', () => {
  // Hand-made items shaped like GitLab's REST issue list (see the `_note` in the file): not a recording.
  const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/gitlab/incidents.json', import.meta.url), 'utf8')) as {
    items: Json[];
  };
  const meta: NormalizeMeta = {
    scope: '12345678',
    integration: { id: '1', name: 'GitLab', settings: { url: 'https://gitlab.com' } },
  };
  const normalize = (item: Json) =>
    gitlabConnector.normalize(
      'incidents',
      {
        key: `12345678#${item.iid}`,
        data: { project_id: 12345678, project_path: 'gitlab-data/snowflake_spend', ...item },
        final: item.state === 'closed',
      },
      meta,
    );

  it('maps a closed incident: severity, labels, services from service:: scoped labels only, resolved at closed_at', () => {
    expect(normalize(FIXTURE.items[0])).toEqual({
      incidents: [
        {
          incidentKey: '12345678#17',
          upstreamId: '108511001',
          repoKey: '12345678',
          title: 'Elevated 5xx error rate on checkout',
          state: 'closed',
          severity: 'CRITICAL',
          labels: [
            'Service::checkout',
            'environment::production',
            'service::payments',
            ' service:: search ',
            'service::payments::api',
            'incident',
          ],
          // `service::payments::api` is in the scope `service::payments`: not a service.
          services: ['checkout', 'payments', 'search'],
          webUrl: 'https://gitlab.com/gitlab-data/snowflake_spend/-/issues/17',
          openedAt: new Date('2022-06-20T14:12:03.118Z'),
          resolvedAt: new Date('2022-06-20T16:40:12.529Z'),
          updatedAt: new Date('2022-06-20T16:40:12.551Z'),
        },
      ],
    });
  });

  it('maps an open incident without severity (older GitLab) as UNKNOWN, with label objects read by name', () => {
    expect(normalize(FIXTURE.items[1]).incidents?.[0]).toMatchObject({
      incidentKey: '12345678#18',
      state: 'opened',
      severity: 'UNKNOWN',
      labels: ['service::storefront'],
      services: ['storefront'],
      resolvedAt: null,
      openedAt: new Date('2022-06-21T09:01:44.002Z'),
      updatedAt: new Date('2022-06-21T09:30:00.000Z'),
    });
  });

  it('ignores a plain issue (a GitLab that ignores issue_type lists them) and a record without its keys', () => {
    expect(normalize(FIXTURE.items[2])).toEqual({});
    expect(normalize({ issue_type: 'incident', title: 'no iid' })).toEqual({});
  });
});
