// The DORA profile page and the filter dropdowns in a real browser (Debian's Chromium through playwright-core)
// against the real server on PGlite: every figure the page shows is checked against the API's own answer.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDeployments, signIn, startWebSession, type WebSession } from './session.js';

const DAY = 86_400_000;

describe('the DORA profile page in a browser (PGlite)', () => {
  let s: WebSession;
  let page: Page;
  // The dashboard's window: the last 30 days, UTC.
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
  const windowQuery = `from=${from}&to=${to}`;

  const call: WebSession['call'] = (method, path, body) => s.call(method, path, body);
  const api: WebSession['api'] = (path) => s.api(path);
  const shot = (name: string) => s.shot(name);

  /** The deployment count the dashboard shows, once it has loaded. */
  const shownDeployments = async () => {
    await page.getByTestId('window').filter({ hasNotText: 'loading' }).waitFor();
    const card = page.getByTestId('metric-deployment-frequency');
    await card.getByTestId('count').waitFor();
    return Number(await card.getByTestId('count').textContent());
  };
  const apiDeployments = async () =>
    (await api(`/v1/metrics/deployment-frequency?${windowQuery}&interval=week`)).count as number;

  beforeAll(async () => {
    s = await startWebSession('profile test key');
    page = s.page;
    await seedDeployments(s);
    await signIn(s, `/insights/dora?${windowQuery}`);
  }, 120_000);

  afterAll(async () => s?.close());

  it('offers the filter values the API answers in the dashboard filters', async () => {
    const values = await api('/v1/metrics/filter-values');
    expect(values.pipelines).toEqual(['deploy-shop', 'deploy-web', 'deploy_api']);
    const options = (key: string) =>
      page.locator(`datalist#opts-${key} option`).evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await expect.poll(() => options('pipeline')).toEqual(values.pipelines);
    expect(await options('environment')).toEqual(values.environments);
    // Free text still goes: a pipeline no list holds.
    await page.locator('input[name=pipeline]').fill('deploy-web');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('pipeline')).toBe('deploy-web');
    expect(await shownDeployments()).toBe(
      (await api(`/v1/metrics/deployment-frequency?${windowQuery}&pipeline=deploy-web`)).count,
    );
    await page.goto(`${s.base}/insights/cicd?${windowQuery}`);
    await expect.poll(() => options('branch')).toEqual((await api('/v1/metrics/filter-values')).branches);
  });

  it('previews a profile change as the API does, shows its errors by the field, saves it', async () => {
    await page.goto(`${s.base}/insights/dora?${windowQuery}`);
    const before = await shownDeployments();
    expect(before).toBe(await apiDeployments());

    await page.getByTestId('what-counts').click();
    await page.getByTestId('profile-form').waitFor();
    expect(new URL(page.url()).pathname).toBe('/insights/dora/profile');
    expect(new URL(page.url()).searchParams.get('from')).toBe(from);
    // The form holds the saved profile; the defaults are shown as the server gives them.
    const current = (await api('/v1/metrics/profile')).profile;
    const chips = (field: string) =>
      page
        .getByTestId(`field-${field}`)
        .locator('.chip')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(await chips('production_environment_types')).toEqual(current.production_environment_types);
    expect(await chips('counted_results')).toEqual(current.counted_results);
    const defaults = (await api('/v1/metrics/profile/defaults')).profile;
    expect(await page.getByTestId('defaults').locator('[data-field=counted_results] dd').textContent()).toBe(
      defaults.counted_results.join(', '),
    );

    // PreProduction targets become production; webhook CD runs no longer count.
    const types = page.getByTestId('field-production_environment_types');
    await types.locator('input[name=production_environment_types]').fill('PreProduction');
    await types.getByRole('button', { name: 'Add' }).click();
    await page.locator('input[name=webhook_cd_is_production]').uncheck();
    const change = {
      ...current,
      production_environment_types: [...current.production_environment_types, 'PreProduction'],
      webhook_cd_is_production: false,
    };
    await page.getByRole('button', { name: 'Preview' }).click();
    const expected = await call('POST', `/v1/metrics/profile/preview?${windowQuery}`, change);
    expect(expected.status).toBe(200);
    await expect.poll(() => page.getByTestId('preview-message').textContent()).toBe(expected.body.message);
    const deployments = page.getByTestId('preview-deployments');
    expect(await deployments.getAttribute('data-before')).toBe(String(expected.body.current.deployments));
    expect(await deployments.getAttribute('data-after')).toBe(String(expected.body.proposed.deployments));
    expect(expected.body.added).toBeGreaterThan(0);
    expect(expected.body.removed).toBeGreaterThan(0);
    await shot('13-dora-profile-preview');

    // Out of the API's range: its error, next to the field; nothing saved.
    await page.locator('input[name=incident_window_hours]').fill('99999');
    await page.getByRole('button', { name: 'Save' }).click();
    const bad = await call('POST', `/v1/metrics/profile/preview?${windowQuery}`, { incident_window_hours: 99999 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('profile.incident_window_hours');
    const fieldError = page.getByTestId('field-incident_window_hours').getByTestId('error-incident_window_hours');
    await expect.poll(() => fieldError.textContent()).toBe(`${bad.body.error.message} (${bad.body.error.code})`);
    expect(new URL(page.url()).pathname).toBe('/insights/dora/profile');
    expect((await api('/v1/metrics/profile')).profile).toEqual(current);
    await shot('14-dora-profile-error');

    // Back in range: saved, and the dashboard follows at once.
    await page.locator('input[name=incident_window_hours]').fill('48');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.pathname === '/insights/dora');
    expect(new URL(page.url()).searchParams.get('from')).toBe(from);
    expect((await api('/v1/metrics/profile')).profile).toEqual({ ...change, incident_window_hours: 48 });
    const after = await apiDeployments();
    expect(after).not.toBe(before);
    await expect.poll(() => shownDeployments()).toBe(after);
  });

  it('resets to the defaults the server gives', async () => {
    await page.getByRole('link', { name: 'DORA profile', exact: true }).click();
    await page.getByTestId('profile-form').waitFor();
    expect(await page.locator('nav a.active').textContent()).toBe('DORA profile');
    const defaults = (await api('/v1/metrics/profile/defaults')).profile;
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    const types = page.getByTestId('field-production_environment_types').locator('.chip');
    await expect
      .poll(() => types.evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))))
      .toEqual(defaults.production_environment_types);
    expect(await page.locator('input[name=webhook_cd_is_production]').isChecked()).toBe(true);
    expect(await page.locator('input[name=incident_window_hours]').inputValue()).toBe(
      String(defaults.incident_window_hours),
    );
    await shot('15-dora-profile');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.pathname === '/insights/dora');
    expect((await api('/v1/metrics/profile')).profile).toEqual(defaults);
    await expect.poll(() => shownDeployments()).toBe(await apiDeployments());
    expect(s.problems).toEqual([]);
  });
});
