// The web app in a real browser (Debian's Chromium through playwright-core) against the real server, a real
// database and the fake Harness NG and GitLab servers. PGlite only: the API under the pages is tested on both
// stores by the other suites; here the browser is what is being tested.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/connector.js';
import { gitlabConnector } from '../../src/connectors/gitlab/connector.js';
import { harnessConnector } from '../../src/connectors/harness/connector.js';
import { connectorRegistry } from '../../src/connectors/registry.js';
import { loadConfig } from '../../src/core/config.js';
import { SecretBox } from '../../src/core/crypto.js';
import { defaultRegistry } from '../../src/integrations/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createApiKey } from '../../src/store/api-keys.js';
import { CredentialStore } from '../../src/store/credentials.js';
import type { Db } from '../../src/store/db.js';
import { IntegrationStore } from '../../src/store/integrations.js';
import { createTenant } from '../../src/store/tenants.js';
import { SyncService } from '../../src/sync/service.js';
import { SyncWorker } from '../../src/sync/worker.js';
import { startFakeGitLab, type FakeGitLab } from '../fakes/gitlab/server.js';
import { startFakeHarness, type FakeHarness } from '../fakes/harness/server.js';
import { freshDb } from '../helpers/db.js';
import { buildWebApp, launchBrowser, SCREENSHOTS } from './browser.js';

const DAY = 86_400_000;

describe('the web app in a browser (PGlite)', () => {
  let db: Db;
  let app: FastifyInstance;
  let worker: SyncWorker;
  let harness: FakeHarness;
  let gitlab: FakeGitLab;
  let web: { dir: string; remove: () => void };
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let base: string;
  let adminKey: string;
  /** Script errors, CSP violations and React warnings seen in the page: none is expected. */
  const problems: string[] = [];

  /** The API answer for the same question, asked with the key (not the browser's session). */
  const api = async (path: string) => {
    const res = await fetch(base + path, { headers: { authorization: `ApiKey ${adminKey}` } });
    expect(res.status, path).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // The fakes' clocks start now, so their history falls in the dashboards' default window (the last 30 days).
    const now = Date.now();
    [web, harness, gitlab, db] = await Promise.all([
      buildWebApp(),
      startFakeHarness({ seed: 7, days: 40, executionsPerDay: 4, orgCount: 2, now }),
      startFakeGitLab({ seed: 5, days: 35, pipelinesPerDay: 1, groups: 2, now }),
      freshDb('pglite'),
    ]);
    const connectors = connectorRegistry([harnessConnector, gitlabConnector] as Connector<never>[]);
    const registry = defaultRegistry([...connectors.values()].map((c) => c.spec));
    const box = new SecretBox(Buffer.alloc(32, 9));
    const integrations = new IntegrationStore(registry, box);
    const sync = new SyncService({ db, connectors, integrations, credentials: new CredentialStore(box) });
    // Not started: the test runs each job itself, so it knows when a sync is in flight.
    worker = new SyncWorker({ db, connectors, integrations, service: sync });
    const config = loadConfig({ SEI_DATA_DIR: '/nonexistent' });
    app = await buildApp({ db, config, registry, box, connectors, sync, webRoot: web.dir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    await createTenant(db, 'acme', 'Acme');
    adminKey = (await createApiKey(db, 'acme', 'admin', 'web test key')).key;

    // GitLab through the API, so the merge request page has data; Harness is installed through the page below.
    const res = await fetch(`${base}/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `ApiKey ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'gitlab',
        name: 'GitLab',
        // No client-side pacing: the fake answers at once, and the test should not wait for a budget.
        settings: { url: gitlab.url, token: gitlab.token, history_days: 35, requests_per_minute: 100_000 },
      }),
    });
    const gl = (await res.json()) as { id: string };
    await sync.requestSync('acme', gl.id, 'full', 'manual');
    expect(await worker.runNext()).toBe('succeeded');

    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Uncaught|Warning:/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all([db?.close(), harness?.close(), gitlab?.close()]);
    web?.remove();
  });

  it('serves the app for page paths, keeps JSON 404s for the API, caches hashed assets', async () => {
    const html = await fetch(`${base}/integrations`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const text = await html.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(text)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(base + asset!);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    const missing = await fetch(`${base}/v1/no-such-route`, { headers: { authorization: `ApiKey ${adminKey}` } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
    const escape = await fetch(`${base}/assets/..%2f..%2fpackage.json`);
    expect(escape.status).not.toBe(200);
    expect(await escape.text()).not.toContain('"name": "opensei"');
  });

  it('signs in with a key kept out of URLs and storage; the cookie is httpOnly and unsafe calls need CSRF', async () => {
    await page.goto(base + '/');
    await page.getByLabel('API key').fill('sei_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('invalid_api_key');
    await shot('01-sign-in');

    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('web test key');
    expect(page.url()).not.toContain(adminKey);
    // Strings run in the page (this file is typed for Node, not the DOM).
    const stored = await page.evaluate<string>('JSON.stringify([{ ...localStorage }, { ...sessionStorage }])');
    expect(stored).toBe('[{},{}]');
    const cookies = await browser.context.cookies(base);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['sei_session', true, 'Strict']]);
    expect(cookies[0]!.value).not.toContain(adminKey);
    expect(await page.evaluate<string>('document.cookie')).toBe('');

    // The cookie alone is not enough for an unsafe call: a forged request has no CSRF header.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/v1/integrations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'custom', name: 'forged' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(forged).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'csrf_failed' }) } });
  });

  it('installs Harness NG against the fake: Validate Connection fails with a wrong key, passes with the right one', async () => {
    // After a reload the page has only the cookie: it gets the CSRF token back from GET /v1/session.
    await page.reload();
    await page.getByTestId('who').waitFor();
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByTestId('type-harnessng').getByRole('button', { name: 'Install' }).click();
    const form = page.getByTestId('install-harnessng');
    await form.locator('input[name=name]').fill('Harness cloud');
    await form.locator('input[name=url]').fill(harness.url);
    await form.locator('input[name=account_id]').fill(harness.accountId);
    await form.locator('input[name=api_key]').fill('pat.wrong.token.value');
    await form.getByRole('button', { name: 'Validate Connection' }).click();
    const outcome = form.getByTestId('validation-outcome');
    await expect.poll(() => outcome.textContent()).toBe('invalid_credentials');
    expect(await form.locator('[data-check=credentials]').getAttribute('data-status')).toBe('failed');
    await shot('02-validate-failed');

    await form.locator('input[name=api_key]').fill(harness.token);
    await form.getByRole('button', { name: 'Validate Connection' }).click();
    await expect.poll(() => outcome.textContent()).toBe('ok');
    const statuses = await form
      .locator('[data-check]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.every((s) => s === 'passed')).toBe(true);
    await shot('03-validate-passed');

    await form.getByRole('button', { name: 'Install' }).click();
    await page.getByRole('status').filter({ hasText: 'Installed “Harness cloud”' }).waitFor();
    const list = (await api('/v1/integrations')) as { integrations: { id: string; name: string; settings: object }[] };
    const installed = list.integrations.find((i) => i.name === 'Harness cloud');
    expect(installed?.settings).toMatchObject({ url: harness.url, account_id: harness.accountId, api_key: '********' });
  });

  it('syncs now with visible progress, then shows the integration healthy with its last sync', async () => {
    const list = (await api('/v1/integrations')) as { integrations: { id: string; name: string }[] };
    const id = list.integrations.find((i) => i.name === 'Harness cloud')!.id;
    const row = page.getByTestId(`integration-${id}`);
    await expect.poll(() => row.getByTestId('health').textContent()).toBe('never synced');

    // Slow upstream answers keep the sync in flight long enough to watch it move.
    harness.setLatency(250);
    await row.getByRole('button', { name: 'Sync now' }).click();
    await row.getByTestId('sync-progress').waitFor();
    const running = worker.runNext();
    await expect
      .poll(async () => Number((await row.getByTestId('sync-progress').getAttribute('data-records')) ?? 0), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    expect(await row.getByTestId('health').textContent()).toBe('syncing');
    await shot('04-sync-progress');
    harness.setLatency(0);
    expect(await running).toBe('succeeded');

    await expect.poll(() => row.getByTestId('health').textContent(), { timeout: 10_000 }).toBe('healthy');
    expect(await row.getByTestId('last-sync').textContent()).toContain('succeeded');
    const status = (await api(`/v1/integrations/${id}/sync`)) as {
      last_success: { streams: { stream: string; records: number }[] };
    };
    // Records read: every execution, and the few read twice where a time window restarts at its last start time.
    const executions = status.last_success.streams.find((s) => s.stream === 'executions')?.records ?? 0;
    expect(executions).toBeGreaterThanOrEqual(harness.executions().length);
    expect(await row.textContent()).toContain(`executions: succeeded, ${executions} records`);
    await shot('05-integrations');
  });

  it('shows a failed sync with its error, and re-authenticates with a new key', async () => {
    const list = (await api('/v1/integrations')) as { integrations: { id: string; name: string }[] };
    const id = list.integrations.find((i) => i.name === 'Harness cloud')!.id;
    const row = page.getByTestId(`integration-${id}`);
    harness.revokeToken(harness.token);
    await row.getByRole('button', { name: 'Sync now' }).click();
    await row.getByTestId('sync-progress').waitFor();
    expect(await worker.runNext()).toBe('failed');
    await expect.poll(() => row.getByTestId('health').textContent(), { timeout: 10_000 }).toBe('failing');
    const status = (await api(`/v1/integrations/${id}/sync`)) as { history: { error: { code: string } | null }[] };
    const code = status.history[0]!.error!.code;
    expect(await row.getByTestId('sync-error').textContent()).toContain(`(${code})`);
    await shot('05a-sync-failed');

    await row.getByRole('button', { name: /Re-authenticate: new api key/ }).click();
    await row.locator('input[name=replace-api_key]').fill(harness.addKey());
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Saved: validate or sync now.').waitFor();
    await row.getByRole('button', { name: 'Sync now' }).click();
    await row.getByTestId('sync-progress').waitFor();
    expect(await worker.runNext()).toBe('succeeded');
    await expect.poll(() => row.getByTestId('health').textContent(), { timeout: 10_000 }).toBe('healthy');
  });

  /** The four figures on the page, as shown, with their raw values. */
  const figures = async () => {
    const names = ['deployment-frequency', 'lead-time-for-changes', 'change-failure-rate', 'time-to-restore'];
    const out: Record<string, { value: string; count: string; band: string | null }> = {};
    for (const n of names) {
      const card = page.getByTestId(`metric-${n}`);
      const band = card.getByTestId('band');
      out[n] = {
        value: (await card.getByTestId('value').getAttribute('data-value')) ?? '',
        count: (await card.getByTestId('count').textContent()) ?? '',
        band: (await band.count()) === 0 ? null : await band.textContent(),
      };
    }
    return out;
  };

  /** What the API answers for the window and interval in the page's URL. */
  const apiFigures = async () => {
    const q = new URL(page.url()).searchParams;
    const to = q.get('to') ?? new Date().toISOString().slice(0, 10);
    const from = q.get('from') ?? new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
    const query = `from=${from}&to=${to}&interval=${q.get('interval') ?? 'week'}`;
    const out: Record<string, { value: string; count: string; band: string | null }> = {};
    for (const n of ['deployment-frequency', 'lead-time-for-changes', 'change-failure-rate', 'time-to-restore']) {
      const a = (await api(`/v1/metrics/${n}?${query}`)) as {
        value: number | null;
        count: number;
        band: { name: string } | null;
      };
      out[n] = { value: a.value === null ? '' : String(a.value), count: String(a.count), band: a.band?.name ?? null };
    }
    return out;
  };

  const settled = async () => {
    await page.getByTestId('window').filter({ hasNotText: 'loading' }).waitFor();
    await page.getByTestId('metric-time-to-restore').getByTestId('value').waitFor();
  };

  it('shows the DORA dashboard with the figures the API answers, each with a band, trend and freshness', async () => {
    await page.getByRole('link', { name: 'DORA', exact: true }).click();
    await settled();
    const shown = await figures();
    expect(shown).toEqual(await apiFigures());
    expect(Number(shown['deployment-frequency']!.count)).toBeGreaterThan(0);
    expect(await page.getByTestId('trend').count()).toBe(4);
    // The trend against the 30 days before, as the API answers for that window.
    const to = new Date().toISOString().slice(0, 10);
    const prevTo = new Date(Date.parse(to) - 30 * DAY).toISOString().slice(0, 10);
    const prevFrom = new Date(Date.parse(to) - 59 * DAY).toISOString().slice(0, 10);
    const prev = (await api(`/v1/metrics/deployment-frequency?from=${prevFrom}&to=${prevTo}&interval=week`)) as {
      value: number | null;
    };
    const delta = page.getByTestId('metric-deployment-frequency').getByTestId('trend-delta');
    expect(await delta.getAttribute('data-previous')).toBe(prev.value === null ? '' : String(prev.value));
    const freshness = (await api('/v1/freshness')) as { as_of: string };
    expect(freshness.as_of).not.toBeNull();
    expect(await page.getByTestId('freshness').count()).toBe(4);
    expect(await page.getByTestId('freshness').first().textContent()).toMatch(/^Data as of .+\((just now|.+ ago)\)/);
    await shot('06-dora');
  });

  it('changes the time range and shows what the API answers for the new window', async () => {
    const before = await figures();
    await page.getByTestId('range-preset').selectOption('7');
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).not.toBeNull();
    await settled();
    await expect.poll(async () => JSON.stringify(await figures())).toBe(JSON.stringify(await apiFigures()));
    const after = await figures();
    // 40 days of deployments: a week holds fewer than 30 days do.
    expect(Number(after['deployment-frequency']!.count)).toBeLessThan(Number(before['deployment-frequency']!.count));
    await shot('07-dora-7-days');
  });

  it('opens a drill-down with the records behind a figure, paged, sortable, with a CSV file', async () => {
    await page.getByTestId('metric-deployment-frequency').getByTestId('value').click();
    await page.getByTestId('drill-title').waitFor();
    expect(new URL(page.url()).pathname).toBe('/insights/dora/deployment-frequency');
    const q = new URL(page.url()).searchParams;
    const query = `from=${q.get('from')}&to=${q.get('to')}&interval=week`;
    const answer = (await api(`/v1/metrics/deployment-frequency?${query}`)) as { count: number };
    const records = (await api(`/v1/metrics/deployment-frequency/records?${query}&limit=50`)) as {
      rows: { run_id: string }[];
    };
    const table = page.getByTestId('records');
    await table.waitFor();
    // Polled: the table can be on the page a moment before its rows are.
    const shownIds = () => table.locator('tbody tr td:first-child').allTextContents();
    const ids = records.rows.map((r) => r.run_id);
    await expect.poll(shownIds).toEqual(ids);
    expect(ids.length).toBe(Math.min(50, answer.count));

    // Sorting by run id ascending, then descending.
    await table.getByRole('button', { name: 'run id' }).click();
    const asc = [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    await expect.poll(shownIds).toEqual(asc);
    await table.getByRole('button', { name: 'run id' }).click();
    await expect.poll(shownIds).toEqual([...asc].reverse());

    const href = (await page.getByTestId('csv').getAttribute('href')) ?? '';
    expect(href).toContain(`from=${q.get('from')}`);
    const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
    expect(csv.split('\n')[0]).toContain('run_id');
    expect(csv.trim().split('\n').length).toBe(answer.count + 1);
    await shot('08-drill-down');

    // Paging over a longer window: the second page is the API's second page.
    await page.getByTestId('range-preset').selectOption('30');
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).not.toBe(q.get('from'));
    const q30 = new URL(page.url()).searchParams;
    const query30 = `from=${q30.get('from')}&to=${q30.get('to')}&interval=week`;
    const all = (await api(`/v1/metrics/deployment-frequency?${query30}`)) as { count: number };
    expect(all.count).toBeGreaterThan(50);
    await expect.poll(() => page.getByTestId('drill-range').textContent()).toBe('Records 1–50');
    await page.getByRole('button', { name: 'Next' }).click();
    const second = (await api(`/v1/metrics/deployment-frequency/records?${query30}&limit=50&offset=50`)) as {
      rows: { run_id: string }[];
    };
    const shown = `Records 51–${50 + second.rows.length}`;
    await expect.poll(() => page.getByTestId('drill-range').textContent()).toContain(shown);
    await expect.poll(shownIds).toEqual(second.rows.map((r) => r.run_id));
  });

  it('shows CI/CD health and merge requests as the API answers them', async () => {
    await page.getByRole('link', { name: 'CI/CD health', exact: true }).click();
    await page.getByTestId('health-runs').waitFor();
    const q = new URL(page.url()).searchParams;
    const query = `from=${q.get('from')}&to=${q.get('to')}&interval=week`;
    const health = (await api(`/v1/metrics/cicd-health?${query}`)) as { totals: { runs: number } };
    expect(await page.getByTestId('health-runs').textContent()).toBe(String(health.totals.runs));
    expect(health.totals.runs).toBeGreaterThan(0);
    await shot('09-cicd-health');

    await page.getByTestId('range-preset').selectOption('30');
    await page.getByRole('link', { name: 'Merge requests', exact: true }).click();
    await page.getByTestId('mr-merged').waitFor();
    const q2 = new URL(page.url()).searchParams;
    const mr = (await api(`/v1/metrics/merge-requests?from=${q2.get('from')}&to=${q2.get('to')}&interval=week`)) as {
      merged: number;
    };
    expect(await page.getByTestId('mr-merged').textContent()).toBe(String(mr.merged));
    await shot('10-merge-requests');
  });

  it('installs Custom CI/CD and shows its instance GUID in a ready curl command that works', async () => {
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByTestId('type-custom').getByRole('button', { name: 'Install' }).click();
    const form = page.getByTestId('install-custom');
    await form.locator('input[name=name]').fill('Jenkins');
    await form.locator('input[name=description]').fill('main Jenkins');
    await form.locator('input[name=tags]').fill('ci, build');
    await form.getByRole('button', { name: 'Install' }).click();
    await page.getByRole('heading', { name: 'Custom CI/CD', exact: true, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Make instance' }).click();
    const guid = (await page.getByTestId('guid').first().textContent()) ?? '';
    const list = (await api('/v1/integrations?type=custom')) as { integrations: object[] };
    expect(list.integrations).toEqual([
      expect.objectContaining({ name: 'Jenkins', description: 'main Jenkins', tags: ['ci', 'build'] }),
    ]);
    expect(guid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.getByTestId('curl').first().textContent()).toContain('$SEI_KEY');

    await page.getByRole('button', { name: 'Make an ingestion key' }).click();
    await expect.poll(() => page.getByTestId('curl').first().textContent()).toMatch(/ApiKey sei_/);
    const cmd = (await page.getByTestId('curl').first().textContent()) ?? '';
    expect(cmd).toContain(guid);
    await shot('11-custom-cicd');

    // The command is what the source documents show: its body and key post a run.
    const key = /ApiKey (sei_\S+)"/.exec(cmd)?.[1];
    const body = /--data-raw '([\s\S]+)'$/.exec(cmd)?.[1];
    const res = await fetch(`${base}/v1/custom-cicd`, {
      method: 'POST',
      headers: { authorization: `ApiKey ${key}`, 'content-type': 'application/json' },
      body: body!,
    });
    expect(res.status).toBe(201);
  });

  it('signs in with GitLab (OAuth) from the page and offers to re-authenticate', async () => {
    const app = gitlab.addOAuthApp({ redirectUri: `${base}/v1/oauth/callback`, name: 'OpenSEI web test' });
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByTestId('type-gitlab').getByRole('button', { name: 'Install' }).click();
    const form = page.getByTestId('install-gitlab');
    await form.locator('input[name=name]').fill('GitLab OAuth');
    await form.locator('input[name=url]').fill(gitlab.url);
    expect(await form.locator('input[name=oauth_client_id]').count()).toBe(0);
    await form.locator('select[name=auth]').selectOption('oauth');
    expect(await form.locator('input[name=token]').count()).toBe(0);
    await form.locator('input[name=oauth_client_id]').fill(app.clientId);
    await form.locator('input[name=oauth_client_secret]').fill(app.clientSecret!);
    await form.getByRole('button', { name: 'Install' }).click();
    await page.getByRole('status').filter({ hasText: 'Installed “GitLab OAuth”' }).waitFor();
    const list = (await api('/v1/integrations')) as { integrations: { id: string; name: string }[] };
    const id = list.integrations.find((i) => i.name === 'GitLab OAuth')!.id;
    const row = page.getByTestId(`integration-${id}`);
    await expect.poll(() => row.textContent()).toContain('not signed in');

    // GitLab (the fake) signs the person in and sends them back to our callback page.
    await row.getByRole('button', { name: 'Sign in with GitLab' }).click();
    await page.waitForURL(/\/v1\/oauth\/callback/);
    expect(await page.locator('h1').textContent()).toBe('Signed in');
    await page.goto(`${base}/integrations`);
    await expect.poll(() => row.textContent()).toContain('signed in as');
    expect(await row.getByRole('button', { name: 'Re-authenticate' }).count()).toBe(1);
    const oauth = (await api(`/v1/integrations/${id}/oauth`)) as { authorized: boolean };
    expect(oauth.authorized).toBe(true);
    await shot('12-gitlab-oauth');
  });

  it('signs out: the session ends on the server too', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/integrations')).status);
    expect(status).toBe(401);
    expect(problems).toEqual([]);
  });
});
