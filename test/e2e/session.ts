// One signed-in browser session against the real server on PGlite, with the seed the dashboard tests share.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
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

export interface WebSession {
  db: Db;
  base: string;
  adminKey: string;
  page: Page;
  /** Page errors, CSP violations and React warnings seen so far: a test ends by expecting none. */
  problems: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(path: string): Promise<any>;
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Builds the web app, serves it with the API on a fresh PGlite store (tenant acme), opens a browser page. */
export async function startWebSession(keyName: string): Promise<WebSession> {
  const [web, db] = await Promise.all([buildWebApp(), freshDb('pglite')]);
  let app: FastifyInstance | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const close = async () => {
    await browser?.close();
    await app?.close();
    await db.close();
    web.remove();
  };
  try {
    const config = loadConfig({ SEI_DATA_DIR: '/nonexistent' });
    app = await buildApp({
      db,
      config,
      registry: defaultRegistry([]),
      box: new SecretBox(Buffer.alloc(32, 3)),
      webRoot: web.dir,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    await createTenant(db, 'acme', 'Acme');
    const adminKey = (await createApiKey(db, 'acme', 'admin', keyName)).key;
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Uncaught|Warning:/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    const call: WebSession['call'] = async (method, path, body) => {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `ApiKey ${adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    };
    return {
      db,
      base,
      adminKey,
      page,
      problems,
      call,
      api: async (path) => {
        const res = await call('GET', path);
        expect(res.status, path).toBe(200);
        return res.body;
      },
      shot: (name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The dashboards' seed: six webhook CD runs (production by default) over the last six days, services
 * deploy-web and deploy-shop, the oldest (a shop's) failed; and five pulled (Harness-like) runs of service api,
 * three to staging (PreProduction) and two to prod (Production).
 */
export async function seedDeployments(s: WebSession): Promise<void> {
  const integ = await s.call('POST', '/v1/integrations', { type: 'custom', name: 'Jenkins' });
  const inst = await s.call('POST', '/v1/cicd/instances', {
    integration_id: integ.body.id,
    name: 'Jenkins',
    type: 'jenkins',
  });
  for (let i = 0; i < 6; i++) {
    const p = i % 2 === 0 ? 'deploy-web' : 'deploy-shop';
    const res = await s.call(
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
  const at = (d: number) => new Date(Date.now() - d * DAY - 2 * HOUR).toISOString();
  const env = (i: number): [string, string] => (i < 3 ? ['staging', 'PreProduction'] : ['prod', 'Production']);
  await s.db.transaction((tx) =>
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
}

/** Signs in through the page at `path` with the session's admin key. */
export async function signIn(s: WebSession, path: string): Promise<void> {
  await s.page.goto(`${s.base}${path}`);
  await s.page.getByLabel('API key').fill(s.adminKey);
  await s.page.getByRole('button', { name: 'Sign in' }).click();
  await s.page.getByTestId('who').waitFor();
}
