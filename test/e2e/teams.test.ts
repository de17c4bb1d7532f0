// The Teams page and the team filter of the dashboards in a real browser (Debian's Chromium through
// playwright-core) against the real server on PGlite: every figure the page shows is checked against the API's
// own answer for the same team.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { SecretBox } from '../../src/core/crypto.js';
import { defaultRegistry } from '../../src/integrations/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createApiKey } from '../../src/store/api-keys.js';
import type { Db } from '../../src/store/db.js';
import { upsertRuns } from '../../src/store/runs.js';
import { createTenant } from '../../src/store/tenants.js';
import { freshDb } from '../helpers/db.js';
import { pulled, run } from '../helpers/runs.js';
import { buildWebApp, launchBrowser, SCREENSHOTS } from './browser.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const METRICS = ['deployment-frequency', 'lead-time-for-changes', 'change-failure-rate', 'time-to-restore'];

describe('teams in the web app, in a browser (PGlite)', () => {
  let db: Db;
  let app: FastifyInstance;
  let web: { dir: string; remove: () => void };
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let base: string;
  let adminKey: string;
  const problems: string[] = [];
  // The dashboards' window: the last 30 days, UTC.
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
  const windowQuery = `from=${from}&to=${to}`;
  const metricQuery = (team?: string) =>
    `${windowQuery}&interval=week${team === undefined ? '' : `&team=${encodeURIComponent(team)}`}`;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `ApiKey ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as any };
  };
  const api = async (path: string) => {
    const res = await call('GET', path);
    expect(res.status, path).toBe(200);
    return res.body;
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  /** The teams as the API lists them: name, services and repositories (sorted, the order is the server's). */
  const apiTeams = async () =>
    ((await api('/v1/teams')).teams as { id: string; name: string; services: string[]; repositories: string[] }[]).map(
      (t) => ({ id: t.id, name: t.name, services: [...t.services].sort(), repositories: [...t.repositories].sort() }),
    );
  const rowNames = () => page.getByTestId('team-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
  const row = (name: string) => page.locator(`[data-testid=team-row][data-name="${name}"]`);
  const chipsIn = (scope: ReturnType<Page['locator']>, testId: string) =>
    scope
      .getByTestId(testId)
      .locator('.chip')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
  const teamSelect = () => page.getByTestId('team-filter');
  const teamOptions = () =>
    teamSelect()
      .locator('option')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('value'), e.textContent]));

  /** The four figures as the API answers them (value and count), for a team or all. */
  const expectedFigures = async (team?: string) => {
    const out: Record<string, { value: string; count: number }> = {};
    for (const m of METRICS) {
      const a = await api(`/v1/metrics/${m}?${metricQuery(team)}`);
      if (team !== undefined) expect(a.filters.team, m).toBe(team);
      out[m] = { value: a.value === null ? '' : String(a.value), count: a.count };
    }
    return out;
  };
  /** The four figures the DORA dashboard shows, once it has loaded. */
  const shownFigures = async () => {
    await page.getByTestId('window').filter({ hasNotText: 'loading' }).waitFor();
    const out: Record<string, { value: string; count: number }> = {};
    for (const m of METRICS) {
      const card = page.getByTestId(`metric-${m}`);
      await card.getByTestId('count').waitFor();
      out[m] = {
        value: (await card.getByTestId('value').getAttribute('data-value')) ?? 'missing',
        count: Number(await card.getByTestId('count').textContent()),
      };
    }
    return out;
  };

  beforeAll(async () => {
    [web, db] = await Promise.all([buildWebApp(), freshDb('pglite')]);
    const box = new SecretBox(Buffer.alloc(32, 5));
    const config = loadConfig({ SEI_DATA_DIR: '/nonexistent' });
    app = await buildApp({ db, config, registry: defaultRegistry([]), box, webRoot: web.dir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    await createTenant(db, 'acme', 'Acme');
    adminKey = (await createApiKey(db, 'acme', 'admin', 'teams test key')).key;

    // Webhook CD runs (production by default), services deploy-web and deploy-shop; the one failure is a shop's.
    const integ = await call('POST', '/v1/integrations', { type: 'custom', name: 'Jenkins' });
    const inst = await call('POST', '/v1/cicd/instances', {
      integration_id: integ.body.id,
      name: 'Jenkins',
      type: 'jenkins',
    });
    for (let i = 0; i < 6; i++) {
      const p = i % 2 === 0 ? 'deploy-web' : 'deploy-shop';
      const res = await call(
        'POST',
        '/v1/custom-cicd',
        run(inst.body.id, {
          pipeline: p,
          job_full_name: p,
          qualified_name: p,
          cd: true,
          start_time: Date.now() - (i + 1) * DAY,
          result: i === 5 ? 'FAILURE' : 'SUCCESS',
        }),
      );
      expect(res.status).toBe(201);
    }
    // Pulled (Harness-like) runs of service api: two of them to prod.
    const at = (d: number) => new Date(Date.now() - d * DAY - 2 * HOUR).toISOString();
    const env = (i: number): [string, string] => (i < 3 ? ['staging', 'PreProduction'] : ['prod', 'Production']);
    await db.transaction((tx) =>
      upsertRuns(
        tx,
        'acme',
        [0, 1, 2, 3, 4].map((i) => ({
          integrationId: String(integ.body.id),
          source: 'harnessng',
          run: pulled(`h${i}`, at(i + 1), 'success', env(i)),
        })),
      ),
    );

    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Uncaught|Warning:/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${base}/insights/dora?${windowQuery}`);
    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
    web?.remove();
  });

  it('creates teams through the page, lists them, and shows a taken name by the name field', async () => {
    expect(await apiTeams()).toEqual([]);
    await page.getByRole('link', { name: 'Teams', exact: true }).click();
    await page.getByTestId('no-teams').waitFor();
    expect(new URL(page.url()).pathname).toBe('/teams');
    expect(await page.locator('nav a.active').textContent()).toBe('Teams');

    await page.getByRole('button', { name: 'New team' }).click();
    const form = page.getByTestId('team-form');
    await form.waitFor();
    // The services offered are the services and pipelines in the data; the repositories, the repositories.
    const values = await api('/v1/metrics/filter-values');
    expect(values.services).toEqual(expect.arrayContaining(['deploy-web', 'api']));
    const offered = (key: string) =>
      page.locator(`datalist#suggest-${key} option`).evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await expect
      .poll(() => offered('services'))
      .toEqual([...new Set([...values.services, ...values.ci_pipelines])].sort());

    // Team "Web": the web service (added) and api (typed, not added: it goes too), and a repository.
    await form.locator('input[name=name]').fill('Web');
    const services = form.getByTestId('field-services');
    await services.locator('input[name=services]').fill('deploy-web');
    await services.getByRole('button', { name: 'Add' }).click();
    await services.locator('input[name=services]').fill('api');
    const repositories = form.getByTestId('field-repositories');
    await repositories.locator('input[name=repositories]').fill('payments/web');
    await repositories.locator('input[name=repositories]').press('Enter');
    await form.getByRole('button', { name: 'Create team' }).click();
    await row('Web').waitFor();
    await expect.poll(() => form.count()).toBe(0);
    const [web] = await apiTeams();
    expect(web).toMatchObject({ name: 'Web', services: ['api', 'deploy-web'], repositories: ['payments/web'] });
    expect((await chipsIn(row('Web'), 'team-services')).sort()).toEqual(web!.services);
    expect(await chipsIn(row('Web'), 'team-repositories')).toEqual(web!.repositories);

    // The same name again: the API's 409, next to the name field; nothing made.
    await page.getByRole('button', { name: 'New team' }).click();
    await form.locator('input[name=name]').fill('Web');
    await form.getByTestId('field-services').locator('input[name=services]').fill('deploy-shop');
    await form.getByRole('button', { name: 'Create team' }).click();
    const taken = await call('POST', '/v1/teams', { name: 'Web', services: ['deploy-shop'] });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'team_exists', field: 'name' });
    const nameError = form.getByTestId('field-name').getByTestId('error-name');
    await expect.poll(() => nameError.textContent()).toBe(`${taken.body.error.message} (team_exists)`);
    expect(await form.locator('input[name=name]').getAttribute('aria-invalid')).toBe('true');
    expect((await apiTeams()).map((t) => t.name)).toEqual(['Web']);

    // Another name: made, and listed by name.
    await form.locator('input[name=name]').fill('Shop');
    await form.getByRole('button', { name: 'Create team' }).click();
    await row('Shop').waitFor();
    expect(await rowNames()).toEqual(['Shop', 'Web']);
    expect((await apiTeams()).map((t) => [t.name, t.services])).toEqual([
      ['Shop', ['deploy-shop']],
      ['Web', ['api', 'deploy-web']],
    ]);
    expect(await chipsIn(row('Shop'), 'team-services')).toEqual(['deploy-shop']);
    await shot('16-teams');
  });

  it('filters the DORA dashboard, its drill-down, CI/CD health and merge requests by a team', async () => {
    const all = await expectedFigures();
    const team = await expectedFigures('Web');
    // The team covers some of the deployments, not all; and not the failure.
    const df = 'deployment-frequency';
    expect(team[df]!.count).toBeGreaterThan(0);
    expect(team[df]!.count).toBeLessThan(all[df]!.count);
    expect(team['change-failure-rate']!.value).not.toBe(all['change-failure-rate']!.value);

    await page.goto(`${base}/insights/dora?${windowQuery}`);
    await expect.poll(() => shownFigures()).toEqual(all);
    await expect
      .poll(() => teamOptions())
      .toEqual([
        ['', 'All teams'],
        ['Shop', 'Shop'],
        ['Web', 'Web'],
      ]);
    expect(await teamSelect().inputValue()).toBe('');

    await teamSelect().selectOption('Web');
    await expect.poll(() => new URL(page.url()).searchParams.get('team')).toBe('Web');
    await expect.poll(() => shownFigures()).toEqual(team);
    expect(new URL(page.url()).searchParams.get('from')).toBe(from);
    await shot('17-dora-team');

    // Kept in the URL: a reload opens the same view.
    await page.reload();
    await expect.poll(() => teamSelect().inputValue()).toBe('Web');
    await expect.poll(() => shownFigures()).toEqual(team);

    // The drill-down keeps the team: its figure and records are the team's.
    await page.getByTestId(`metric-${df}`).getByTestId('value').click();
    await page.waitForURL((u) => u.pathname === `/insights/dora/${df}`);
    expect(new URL(page.url()).searchParams.get('team')).toBe('Web');
    await expect.poll(() => page.getByTestId('drill-value').getAttribute('data-value')).toBe(team[df]!.value);
    const records = await api(`/v1/metrics/${df}/records?${metricQuery('Web')}&limit=50&offset=0`);
    expect(records.rows.length).toBe(team[df]!.count);
    await expect
      .poll(() => page.getByTestId('drill-range').textContent())
      .toBe(`Records 1–${records.rows.length} of ${records.rows.length}`);
    expect(await teamSelect().inputValue()).toBe('Web');

    // CI/CD health: the runs of the team's pipelines.
    await page.getByRole('link', { name: 'CI/CD health', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/insights/cicd');
    expect(await teamSelect().inputValue()).toBe('Web');
    const health = await api(`/v1/metrics/cicd-health?${metricQuery('Web')}`);
    const healthAll = await api(`/v1/metrics/cicd-health?${metricQuery()}`);
    expect(health.totals.runs).toBeGreaterThan(0);
    expect(health.totals.runs).not.toBe(healthAll.totals.runs);
    await expect.poll(() => page.getByTestId('health-runs').textContent()).toBe(String(health.totals.runs));
    await teamSelect().selectOption({ label: 'All teams' });
    await expect.poll(() => page.getByTestId('health-runs').textContent()).toBe(String(healthAll.totals.runs));
    expect(new URL(page.url()).searchParams.has('team')).toBe(false);
    await teamSelect().selectOption('Web');
    await expect.poll(() => page.getByTestId('health-runs').textContent()).toBe(String(health.totals.runs));

    // Merge requests: the team goes with the query (no merge request in this data).
    await page.getByRole('link', { name: 'Merge requests', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/insights/merge-requests');
    expect(await teamSelect().inputValue()).toBe('Web');
    const mrs = await api(`/v1/metrics/merge-requests?${metricQuery('Web')}`);
    await expect.poll(() => page.getByTestId('mr-merged').textContent()).toBe(String(mrs.merged));

    // Back on the dashboard, All teams: the whole tenant again, no team in the URL.
    await page.getByRole('link', { name: 'DORA', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/insights/dora');
    await expect.poll(() => shownFigures()).toEqual(team);
    await teamSelect().selectOption({ label: 'All teams' });
    await expect.poll(() => new URL(page.url()).searchParams.has('team')).toBe(false);
    await expect.poll(() => shownFigures()).toEqual(all);
  });

  it('edits a team (the metrics follow) and deletes one after a confirmation', async () => {
    await page.getByRole('link', { name: 'Teams', exact: true }).click();
    await row('Web').waitFor();
    const [shopBefore, webBefore] = await apiTeams();

    // An empty name: the API's 400, by the name field; nothing changed.
    await row('Shop').getByRole('button', { name: 'Edit' }).click();
    const form = page.getByTestId('team-form');
    expect(await form.locator('input[name=name]').inputValue()).toBe('Shop');
    await form.locator('input[name=name]').fill('');
    await form.getByRole('button', { name: 'Save' }).click();
    const empty = await call('PUT', `/v1/teams/${shopBefore!.id}`, { name: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('name');
    await expect
      .poll(() => form.getByTestId('error-name').textContent())
      .toBe(`${empty.body.error.message} (${empty.body.error.code})`);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => form.count()).toBe(0);
    expect(await apiTeams()).toEqual([shopBefore, webBefore]);

    // Web becomes "Web platform" without the api service.
    await row('Web').getByRole('button', { name: 'Edit' }).click();
    const services = form.getByTestId('field-services');
    expect(
      (await services.locator('.chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).sort(),
    ).toEqual(['api', 'deploy-web']);
    await services.getByRole('button', { name: 'Remove api from Services' }).click();
    await form.locator('input[name=name]').fill('Web platform');
    await form.getByRole('button', { name: 'Save' }).click();
    await row('Web platform').waitFor();
    expect(await rowNames()).toEqual(['Shop', 'Web platform']);
    expect(await chipsIn(row('Web platform'), 'team-services')).toEqual(['deploy-web']);
    const [, webAfter] = await apiTeams();
    expect(webAfter).toEqual({ ...webBefore, name: 'Web platform', services: ['deploy-web'] });

    // The metrics follow the edit; the old name is no team any more, and the dashboard says so.
    const edited = await expectedFigures('Web platform');
    const before = await call('GET', `/v1/metrics/deployment-frequency?${metricQuery('Web')}`);
    expect(before.status).toBe(400);
    expect(before.body.error).toMatchObject({ code: 'unknown_team', field: 'team' });
    await page.goto(`${base}/insights/dora?${metricQuery('Web platform')}`);
    await expect.poll(() => shownFigures()).toEqual(edited);
    await page.goto(`${base}/insights/dora?${metricQuery('Web')}`);
    await expect
      .poll(() => page.getByTestId('metric-deployment-frequency').getByRole('alert').textContent())
      .toContain('unknown_team');
    await expect.poll(() => teamSelect().locator('option:checked').textContent()).toBe('Web (no such team)');

    // Delete Shop: asked first; Cancel keeps it; Delete removes it.
    await page.getByRole('link', { name: 'Teams', exact: true }).click();
    await row('Shop').getByRole('button', { name: 'Delete' }).click();
    const confirm = row('Shop').getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('Delete team “Shop”?');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect((await apiTeams()).map((t) => t.name)).toEqual(['Shop', 'Web platform']);
    await row('Shop').getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => rowNames()).toEqual(['Web platform']);
    expect((await apiTeams()).map((t) => t.name)).toEqual(['Web platform']);
    expect(await page.getByTestId('teams-notice').textContent()).toBe('Team “Shop” deleted.');
    expect(problems).toEqual([]);
  });
});
