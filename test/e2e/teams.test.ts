// The Teams page and the team filter of the dashboards in a real browser (Debian's Chromium through
// playwright-core) against the real server on PGlite: every figure the page shows is checked against the API's
// own answer for the same team.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDeployments, signIn, startWebSession, type WebSession } from './session.js';

const DAY = 86_400_000;
const METRICS = ['deployment-frequency', 'lead-time-for-changes', 'change-failure-rate', 'time-to-restore'];

describe('teams in the web app, in a browser (PGlite)', () => {
  let s: WebSession;
  let page: Page;
  // The dashboards' window: the last 30 days, UTC.
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
  const windowQuery = `from=${from}&to=${to}`;
  const metricQuery = (team?: string) =>
    `${windowQuery}&interval=week${team === undefined ? '' : `&team=${encodeURIComponent(team)}`}`;

  const call: WebSession['call'] = (method, path, body) => s.call(method, path, body);
  const api: WebSession['api'] = (path) => s.api(path);
  const shot = (name: string) => s.shot(name);

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
    s = await startWebSession('teams test key');
    page = s.page;
    await seedDeployments(s);
    await signIn(s, `/insights/dora?${windowQuery}`);
  }, 120_000);

  afterAll(async () => s?.close());

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

    await page.goto(`${s.base}/insights/dora?${windowQuery}`);
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
    await page.goto(`${s.base}/insights/dora?${metricQuery('Web platform')}`);
    await expect.poll(() => shownFigures()).toEqual(edited);
    await page.goto(`${s.base}/insights/dora?${metricQuery('Web')}`);
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
    expect(s.problems).toEqual([]);
  });
});
