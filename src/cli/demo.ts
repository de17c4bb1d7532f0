// `sei demo` (`npm run demo`): OpenSEI on an embedded PGlite store in a demo folder, fed by the fake Harness NG and
// GitLab servers (test/fakes/) and a few custom CI/CD webhook runs, so a newcomer sees real data in a minute.
// A local toy environment: fake data, an admin key kept in a plain file. Not for production.
//
// The server is composed from the same services as src/cli/serve.ts (src/cli/compose.ts).

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFakeGitLab, type FakeGitLab } from '../../test/fakes/gitlab/server.js';
import { startFakeHarness, type FakeHarness } from '../../test/fakes/harness/server.js';
import { ConfigError, loadConfig } from '../core/config.js';
import { createApiKey } from '../store/api-keys.js';
import { DataDirBusyError } from '../store/data-lock.js';
import { PGLITE_FOLDER } from '../store/open.js';
import { listTenants } from '../store/tenants.js';
import { requeueStale } from '../sync/jobs.js';
import type { SyncService } from '../sync/service.js';
import type { SyncWorker } from '../sync/worker.js';
import { DEFAULT_TENANT, bootstrap } from './bootstrap.js';
import { composeServices } from './compose.js';
import { demoWebhookRuns } from './demo-runs.js';
import { runJobWithProgress } from './integrations.js';
import { openRuntime, type Runtime } from './runtime.js';
import { buildServerApp } from './serve.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The fake account: 4 orgs (payments, platform, mobile, data) besides `default`, 8 projects, 21 pipelines
 * and about 2,100 executions over 90 days; runs keep being planned for a week after the first start.
 * Sized so the first sync takes seconds on a 2-core machine.
 */
const FAKE = { seed: 2024, orgCount: 4, executionsPerDay: 3, days: 90, futureHours: 7 * 24 } as const;
/** The fake GitLab: 3 groups, 8 projects, merge requests under review, pipelines and deployments over 90 days. */
const FAKE_GITLAB = { seed: 2024, days: 90, pipelinesPerDay: 2 } as const;
const HARNESS_NAME = 'Demo Harness NG';
const GITLAB_NAME = 'Demo GitLab';
const CUSTOM_NAME = 'Demo Custom CI/CD';
const INSTANCE_NAME = 'demo-jenkins';
const INSTANCE_URL = 'https://jenkins.example.com';
const SYNC_INTERVAL_MINUTES = 5;
const KEY_FILE = 'demo-admin-key.txt';
/** Remembers the fake's start time, so a later run serves the same history (its clock then catches up). */
const STATE_FILE = 'demo-state.json';

interface Integration {
  id: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
}

const out = (line = ''): void => void process.stdout.write(line + '\n');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The demo's settings: its own folder, loopback, quiet logs, always PGlite with the folder's own secret key. */
function demoEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const given = (k: string): string | undefined => (env[k]?.trim() ? env[k] : undefined);
  return {
    ...env,
    SEI_DATA_DIR: given('SEI_DATA_DIR') ?? './data-demo',
    PORT: given('PORT') ?? '8080',
    HOST: given('HOST') ?? '127.0.0.1',
    SEI_LOG_LEVEL: given('SEI_LOG_LEVEL') ?? 'warn',
    DATABASE_URL: '',
    SEI_SECRET_KEY: '',
  };
}

class NotADemoFolder extends Error {}

/**
 * The demo's state in its folder: when the fake started first, so a later run serves the same history.
 * A folder that already holds a store but no demo state belongs to a real server: the demo leaves it alone.
 */
async function demoState(rt: Runtime): Promise<{ epoch: number; reused: boolean }> {
  const path = join(rt.config.dataDir, STATE_FILE);
  if (existsSync(path)) {
    try {
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { fakeEpoch?: unknown };
      if (typeof saved.fakeEpoch === 'number' && saved.fakeEpoch <= Date.now())
        return { epoch: saved.fakeEpoch, reused: true };
    } catch {
      // unreadable: start the fake's history afresh
    }
  } else if ((await listTenants(rt.db)).length > 0) {
    throw new NotADemoFolder(
      `${rt.config.dataDir} holds an OpenSEI store that the demo did not make; it adds no fake data to it. ` +
        'Unset SEI_DATA_DIR (the demo uses ./data-demo) or point it at an empty folder.',
    );
  }
  const epoch = Math.floor(Date.now() / MINUTE) * MINUTE;
  writeFileSync(path, JSON.stringify({ fakeEpoch: epoch, seed: FAKE.seed }, null, 2) + '\n');
  return { epoch, reused: false };
}

function saveKey(path: string, key: string): void {
  writeFileSync(path, key + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** A small client for the server's own HTTP API. */
function client(base: string, key: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `ApiKey ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}
type Api = ReturnType<typeof client>;

/** Thrown at the next step of the start-up once a signal asked to stop. */
class Stopping extends Error {}

/** Shutdown steps, run in reverse order of registration; a second Ctrl-C forces the exit. */
const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let stopWorker: (() => Promise<void>) | undefined;
let startUp: Promise<void> = Promise.resolve();
let stopping: Promise<never> | undefined;

function alive(): void {
  if (stopping !== undefined) throw new Stopping('stopping');
}

function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    const attempt = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
      } catch (err) {
        process.stderr.write(`demo: stopping ${name} failed: ${(err as Error).message}\n`);
      }
    };
    // Abort a running sync first, then let the start-up reach its next step, then close the rest.
    if (stopWorker !== undefined) await attempt('the sync worker', stopWorker);
    await attempt('the start-up', () =>
      Promise.race([startUp.catch(() => undefined), new Promise((r) => setTimeout(r, 30_000).unref())]),
    );
    if (stopWorker !== undefined) await attempt('the sync worker', stopWorker);
    for (const step of cleanups.reverse()) await attempt(step.name, step.run);
    process.exit(code);
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping !== undefined) {
    process.stderr.write(`\n${signal} again: exiting without cleaning up.\n`);
    process.exit(130);
  }
  out(`\n${signal}: stopping the demo (sync worker, server, fake Harness and GitLab, store)...`);
  void shutdown(0).catch(() => process.exit(1));
}

/** The saved admin key if it still works, else a new one (the demo holds the store, so it can make one). */
async function adminKey(rt: Runtime, base: string, keyPath: string): Promise<{ key: string; fresh: boolean }> {
  const saved = existsSync(keyPath) ? readFileSync(keyPath, 'utf8').trim() : '';
  if (saved !== '') {
    const res = await fetch(`${base}/v1/integrations`, { headers: { authorization: `ApiKey ${saved}` } });
    await res.arrayBuffer();
    if (res.ok) return { key: saved, fresh: false };
  }
  const { key } = await createApiKey(rt.db, DEFAULT_TENANT, 'admin', 'demo admin key');
  saveKey(keyPath, key);
  return { key, fresh: true };
}

/** Installs (or re-points, since a fake listens on a new port each run) one connector integration, then validates it. */
async function setUpConnector(
  api: Api,
  spec: { type: string; name: string; label: string; description: string; settings: Record<string, unknown> },
): Promise<Integration> {
  const { integrations } = await api<{ integrations: Integration[] }>('GET', `/v1/integrations?type=${spec.type}`);
  const found = integrations.find((i) => i.name === spec.name);
  let integration: Integration;
  if (found === undefined) {
    integration = await api<Integration>('POST', '/v1/integrations', {
      type: spec.type,
      name: spec.name,
      description: spec.description,
      tags: ['demo'],
      settings: spec.settings,
      sync_interval_minutes: SYNC_INTERVAL_MINUTES,
    });
    out(
      `Installed ${spec.label} integration "${spec.name}" (id ${integration.id}), synced every ${SYNC_INTERVAL_MINUTES} min.`,
    );
  } else {
    integration = await api<Integration>('PATCH', `/v1/integrations/${found.id}`, { settings: spec.settings });
    out(
      `Reusing ${spec.label} integration "${spec.name}" (id ${integration.id}), now pointed at ${String(spec.settings['url'])}.`,
    );
  }
  const report = await api<{ outcome: string; message: string }>(
    'POST',
    `/v1/integrations/${integration.id}/validate`,
    {},
  );
  out(`Validate Connection: ${report.outcome}: ${report.message}`);
  return integration;
}

const setUpHarness = (api: Api, fake: FakeHarness): Promise<Integration> =>
  setUpConnector(api, {
    type: 'harnessng',
    name: HARNESS_NAME,
    label: 'Harness NG',
    description: 'The fake Harness NG server started by `sei demo`.',
    settings: { url: fake.url, api_key: fake.token, account_id: fake.accountId },
  });

const setUpGitLab = (api: Api, fake: FakeGitLab): Promise<Integration> =>
  setUpConnector(api, {
    type: 'gitlab',
    name: GITLAB_NAME,
    label: 'GitLab',
    description: 'The fake GitLab server started by `sei demo`.',
    // The demo user is only a Guest on data/dashboards: left out, as Validate Connection would advise.
    settings: { url: fake.url, token: fake.token, exclude_projects: 'data/dashboards', requests_per_minute: 20_000 },
  });

async function setUpCustom(api: Api, now: number): Promise<{ integration: Integration; guid: string }> {
  const { integrations } = await api<{ integrations: Integration[] }>('GET', '/v1/integrations?type=custom');
  let integration = integrations.find((i) => i.name === CUSTOM_NAME);
  if (integration === undefined) {
    integration = await api<Integration>('POST', '/v1/integrations', {
      type: 'custom',
      name: CUSTOM_NAME,
      description: 'Runs posted by a (pretend) Jenkins to POST /v1/custom-cicd.',
      tags: ['demo'],
    });
    out(`Installed Custom CI/CD integration "${CUSTOM_NAME}" (id ${integration.id}).`);
  }
  const { instances } = await api<{ instances: { id: string; name: string }[] }>(
    'GET',
    `/v1/cicd/instances?integration_id=${integration.id}`,
  );
  let guid = instances.find((i) => i.name === INSTANCE_NAME)?.id;
  if (guid === undefined) {
    const made = await api<{ id: string }>('POST', '/v1/cicd/instances', {
      integration_id: integration.id,
      name: INSTANCE_NAME,
      type: 'jenkins',
      url: INSTANCE_URL,
    });
    guid = made.id;
    out(`Made CI/CD instance "${INSTANCE_NAME}" (instance_guid ${guid}).`);
  }
  const { runs } = await api<{ runs: unknown[] }>('GET', `/v1/cicd/runs?instance_guid=${guid}&limit=1`);
  if (runs.length === 0) {
    const bodies = demoWebhookRuns(guid, INSTANCE_NAME, INSTANCE_URL, now);
    for (const body of bodies) await api('POST', '/v1/custom-cicd', body);
    out(`Posted ${bodies.length} webhook runs to POST /v1/custom-cicd.`);
  } else {
    out(`Reusing Custom CI/CD integration "${CUSTOM_NAME}" (id ${integration.id}) and its webhook runs.`);
  }
  return { integration, guid };
}

/** Runs one sync now with a progress line (as `sei sync` does); answers its final status. */
async function syncNow(rt: Runtime, sync: SyncService, worker: SyncWorker, id: string, title: string): Promise<string> {
  const { job } = await sync.requestSync(DEFAULT_TENANT, id, 'incremental', 'cli');
  return runJobWithProgress(rt, worker, DEFAULT_TENANT, job.id, title);
}

async function main(): Promise<void> {
  out(
    'OpenSEI demo: a local toy environment (fake Harness and GitLab data, an admin key in a plain file). Not for production.',
  );
  if (process.env['DATABASE_URL']?.trim())
    out('(DATABASE_URL is ignored: the demo always uses the embedded PGlite store in its own folder.)');

  const env = demoEnv(process.env);
  const dataDir = loadConfig(env).dataDir;
  const rel = relative(process.cwd(), dataDir);
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? dataDir : rel;
  if (!existsSync(join(dataDir, PGLITE_FOLDER)))
    out(`Creating the embedded PostgreSQL (PGlite) in ${shown}: the first time takes 10-30 s...`);
  const opening = performance.now();
  const rt = await openRuntime(env);
  cleanups.push({ name: 'the store', run: () => rt.close() });
  alive();
  const { config } = rt;
  out(`Store: PGlite in ${shown} (opened in ${seconds(performance.now() - opening)}).`);
  const { epoch, reused } = await demoState(rt);
  alive();
  const keyPath = join(config.dataDir, KEY_FILE);
  const first = await bootstrap(rt.db);
  if (first !== null) {
    saveKey(keyPath, first.key);
    out(`Fresh demo folder: made tenant "${first.tenantId}" and its first admin key.`);
  }
  alive();

  const fake = await startFakeHarness({ clock: 'wall', now: epoch, ...FAKE });
  cleanups.push({ name: 'the fake Harness server', run: () => fake.close() });
  alive();
  const fakeGitLab = await startFakeGitLab({ clock: 'wall', now: epoch, ...FAKE_GITLAB });
  cleanups.push({ name: 'the fake GitLab server', run: () => fakeGitLab.close() });
  alive();
  fakeGitLab.advance(Math.max(0, Date.now() - fakeGitLab.now()));
  fake.advance(Math.max(0, Date.now() - fake.now())); // a later run: the same history, the clock at today
  const projects = fake.data.projects.length;
  out(
    `Fake Harness NG on ${fake.url}: account ${fake.accountId}, ${fake.data.orgs.length} orgs, ${projects} projects, ` +
      `${fake.data.pipelines.length} pipelines, ${fake.executions().length} executions over ${FAKE.days} days` +
      (reused ? ` (the history of ${new Date(epoch).toISOString().slice(0, 16)}Z).` : '.'),
  );
  out(
    `Fake GitLab on ${fakeGitLab.url}: ${fakeGitLab.world.groups.length} groups, ${fakeGitLab.world.projects.length} projects, ` +
      `merge requests, pipelines and deployments over ${FAKE_GITLAB.days} days.`,
  );
  if (Date.now() > epoch + FAKE.futureHours * HOUR)
    out(`  Its planned runs ended ${FAKE.futureHours / 24} days after that; delete ${shown} for a fresh history.`);

  // The same services as `sei serve`.
  const services = composeServices(rt);
  const { sync, worker } = services;
  const app = await buildServerApp(rt, services);
  cleanups.push({ name: 'the HTTP server', run: () => app.close() });
  alive();
  const address = await app.listen({ port: config.port, host: config.host });
  alive();
  // A job left running by a crash of this folder's last process resumes from its cursors.
  await requeueStale(rt.db, 0);
  stopWorker = () => worker.stop();
  const base = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]');

  const { key, fresh } = first !== null ? { key: first.key, fresh: true } : await adminKey(rt, base, keyPath);
  const api = client(base, key);
  alive();
  const harness = await setUpHarness(api, fake);
  alive();
  const gitlab = await setUpGitLab(api, fakeGitLab);
  alive();
  await setUpCustom(api, epoch);
  alive();

  for (const [integration, label] of [
    [harness, 'Harness'],
    [gitlab, 'GitLab'],
  ] as const) {
    out(
      reused ? `Catching up with the fake ${label} (incremental sync):` : `First ${label} sync (90 days of history):`,
    );
    const status = await syncNow(rt, sync, worker, integration.id, `${label} sync`);
    alive();
    if (status !== 'succeeded') out(`The sync ${status}; the worker retries every ${SYNC_INTERVAL_MINUTES} minutes.`);
  }
  worker.start();

  const url = address.replace('://0.0.0.0', '://localhost');
  const counts = await rt.db.query<{ source: string; n: number }>(
    'SELECT source, count(*)::int AS n FROM cicd_runs WHERE tenant_id = $1 GROUP BY source ORDER BY source',
    [DEFAULT_TENANT],
  );
  const curl = `curl -s -H "Authorization: ApiKey $SEI_KEY"`;
  const post = `${curl} -H 'content-type: application/json' -d '{}'`;
  out();
  out(`OpenSEI demo is ready on ${url}`);
  out(`API docs:   ${url}/docs`);
  if (fresh) {
    out(`Admin key:  ${key}`);
    out(`            (saved in ${keyPath}, mode 0600: fine for this local toy, never for a real key)`);
  } else out(`Admin key:  in ${keyPath} (mode 0600)`);
  out(`Runs:       ${counts.map((c) => `${c.n} from ${c.source}`).join(', ')}`);
  out();
  out('Try (paste into a shell):');
  for (const line of [
    `SEI_KEY=$(cat '${keyPath}')`,
    '# the latest runs, from Harness, GitLab and the webhook',
    `${curl} '${url}/v1/cicd/runs?limit=5'`,
    '# failed deployments',
    `${curl} '${url}/v1/cicd/runs?cd=true&result=failure&limit=5'`,
    '# Harness sync status: running job, last success, next run, history',
    `${curl} '${url}/v1/integrations/${harness.id}/sync'`,
    '# Validate Connection, then sync now',
    `${post} '${url}/v1/integrations/${harness.id}/validate'`,
    `${post} '${url}/v1/integrations/${harness.id}/sync'`,
  ])
    out(`  ${line}`);
  out();
  out(
    `The worker syncs Harness and GitLab every ${SYNC_INTERVAL_MINUTES} minutes; the fakes' clocks run, so running ` +
      'pipelines finish, merge requests get reviewed and new work appears.',
  );
  out(
    `Stop with Ctrl-C. Run \`npm run demo\` (or \`sei demo\`) again to resume with this data; delete ${shown} to start afresh.`,
  );
}

/** `sei demo`: starts everything, then runs until Ctrl-C (its own signal handling and exit codes). */
export function demo(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  startUp = main();
  startUp.catch(onStartFailure);
}

async function onStartFailure(err: unknown): Promise<void> {
  if (stopping !== undefined) return; // a signal came during the start-up: the shutdown is under way
  if (err instanceof DataDirBusyError) {
    process.stderr.write(`demo: ${err.message}: is another demo running on this folder? Stop it first.\n`);
  } else if (err instanceof NotADemoFolder) {
    process.stderr.write(`demo: ${err.message}\n`);
  } else if (err instanceof ConfigError) {
    process.stderr.write(`demo: configuration: ${err.message}\n`);
  } else if ((err as { code?: string }).code === 'EADDRINUSE') {
    process.stderr.write(`demo: ${(err as Error).message}: set PORT to a free port, e.g. PORT=8081 npm run demo\n`);
  } else {
    process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
  }
  await shutdown(1);
}
