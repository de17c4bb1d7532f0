// `npm run bench:sync` (also part of `npm run bench`): the Harness NG and GitLab syncs as a user runs them,
// `sei sync` in its own process, against the fake servers (test/fakes/) with a fixed latency per request.
// Measures a first sync (records/s, requests, peak memory, CPU: >= 100,000 Harness executions, thousands of
// GitLab pipelines with their jobs) and what an incremental sync asks when nothing changed and when an hour
// passed upstream, on both stores. Prints a table and writes artifacts/bench-sync.json. See BENCHMARKS.md.
//
// Knobs (environment): BENCH_STORES (pglite,postgres), BENCH_SYNC_UPSTREAMS (harness,gitlab),
// BENCH_SYNC_EXECUTIONS_PER_DAY (Harness per pipeline-day factor; 110 gives about 105,000 executions in 90
// days), BENCH_SYNC_GITLAB_PIPELINES_PER_DAY (12), BENCH_SYNC_GITLAB_REQUESTS_PER_MINUTE (the integration's
// requests_per_minute, 6000), BENCH_SYNC_LATENCY_MS (50), BENCH_SYNC_FIRST_ROUNDS (1), BENCH_SYNC_ROUNDS (5).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDb } from '../src/store/pg-db.js';
import { startFakeGitLab, type FakeGitLab } from '../test/fakes/gitlab/server.js';
import { startFakeHarness } from '../test/fakes/harness/server.js';
import { machine } from './machine.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import type { StoreKind } from './protocol.js';
import { envNumber, max, median, min } from './stats.js';

const PER_DAY = envNumber('BENCH_SYNC_EXECUTIONS_PER_DAY', 110);
const LATENCY_MS = envNumber('BENCH_SYNC_LATENCY_MS', 50);
const FIRST_ROUNDS = Math.round(envNumber('BENCH_SYNC_FIRST_ROUNDS', 1));
const ROUNDS = Math.round(envNumber('BENCH_SYNC_ROUNDS', 5));
const GITLAB_PIPELINES_PER_DAY = envNumber('BENCH_SYNC_GITLAB_PIPELINES_PER_DAY', 12);
const GITLAB_REQUESTS_PER_MINUTE = envNumber('BENCH_SYNC_GITLAB_REQUESTS_PER_MINUTE', 6000);
const ONLY = (process.env['BENCH_SYNC_UPSTREAMS'] ?? 'harness,gitlab').split(',').map((s) => s.trim());
const UPSTREAMS = [
  ...(ONLY.includes('harness') ? [harnessUpstream] : []),
  ...(ONLY.includes('gitlab') ? [gitlabUpstream] : []),
];
const STORES = (process.env['BENCH_STORES'] ?? 'pglite,postgres').split(',').map((s) => s.trim()) as StoreKind[];
for (const s of STORES) if (s !== 'pglite' && s !== 'postgres') throw new Error(`BENCH_STORES: unknown store "${s}"`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'artifacts', 'bench-sync.json');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const HOUR = 3_600_000;
const SECRET_KEY = Buffer.alloc(32, 3).toString('base64');

interface CliRun {
  ms: number;
  stdout: string;
  /** Peak resident memory of the `sei` process (VmHWM), MB. */
  peakRssMb: number;
  /** CPU seconds of the `sei` process (user + system), read just before it exited. */
  cpuSeconds: number;
}

/** `/proc/<pid>` readings of a live process: peak RSS in kB and CPU ticks. */
function procReadings(pid: number): { hwmKb: number; ticks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { hwmKb: Number(hwm?.[1] ?? 0), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Runs the product's CLI (`node --import tsx src/cli/main.ts ...`) and watches its memory and CPU. */
function sei(args: string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, SEI_LOG_LEVEL: 'warn', SEI_SECRET_KEY: SECRET_KEY, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  let last = { hwmKb: 0, ticks: 0 };
  const watch = setInterval(() => {
    const r = child.pid === undefined ? undefined : procReadings(child.pid);
    if (r !== undefined) last = { hwmKb: Math.max(last.hwmKb, r.hwmKb), ticks: Math.max(last.ticks, r.ticks) };
  }, 100);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(watch);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`sei ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve({ ms, stdout, peakRssMb: last.hwmKb / 1024, cpuSeconds: last.ticks / 100 });
    });
  });
}

interface Store {
  kind: StoreKind;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function openStore(kind: StoreKind, pg: BenchPostgres | undefined, round: number): Promise<Store> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'sei-bench-sync-'));
    return {
      kind,
      env: { SEI_DATA_DIR: dir, DATABASE_URL: '' },
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `sei_bench_sync_${round}`;
  const admin = new PgDb(pg!.url, 1);
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  return {
    kind,
    env: { DATABASE_URL: pg!.url.replace(/\/postgres$/, `/${name}`), SEI_DATA_DIR: '' },
    close: async () => {
      const db = new PgDb(pg!.url, 1);
      await db.query(`DROP DATABASE IF EXISTS ${name}`);
      await db.close();
    },
  };
}

/** One upstream to bench: its fake, how to install it, what its syncs ask and what an hour upstream brings. */
interface Upstream {
  name: string;
  /** The main records of a first sync ("executions", "pipelines"). */
  unit: string;
  total: number;
  scopes: number;
  latencyMs: number;
  addArgs: string[];
  stdin: string;
  /** The stream lines of `sei sync` output whose records are counted. */
  streams: string[];
  requests(): readonly { path: string; status: number }[];
  clearRequests(): void;
  anHourLater(): void;
  /** Request counts by kind for the report. */
  kinds: Record<string, RegExp>;
  close(): Promise<void>;
}

async function harnessUpstream(): Promise<Upstream> {
  const fake = await startFakeHarness({
    seed: 7,
    orgCount: 5,
    days: 90,
    executionsPerDay: PER_DAY,
    latencyMs: LATENCY_MS,
    now: Date.now() - HOUR,
    futureHours: 24 * 7,
    // The fake's own per-key limit would dominate a 100,000-execution sync: Harness allows 1,000/min.
    rateLimitPerMinute: 1_000_000,
  });
  return {
    name: 'Harness NG',
    unit: 'executions',
    total: fake.executions().length,
    scopes: fake.data.projects.length,
    latencyMs: LATENCY_MS,
    addArgs: ['harnessng', '--url', fake.url, '--api-key', '-', '--account-id', fake.accountId],
    stdin: fake.token,
    streams: ['executions'],
    requests: () => fake.requests(),
    clearRequests: () => fake.clearRequests(),
    anHourLater: () => {
      fake.advance(HOUR);
      fake.tick(20);
    },
    kinds: {
      orgs: /^\/v1\/orgs$/,
      'project lists': /^\/v1\/orgs\/[^/]+\/projects$/,
      executions: /\/execution\/summary$/,
    },
    close: () => fake.close(),
  };
}

async function gitlabUpstream(): Promise<Upstream> {
  const fake = await startFakeGitLab({
    seed: 7,
    days: 90,
    pipelinesPerDay: GITLAB_PIPELINES_PER_DAY,
    latencyMs: LATENCY_MS,
    now: Date.now() - HOUR,
    rateLimitPerMinute: 1_000_000,
  });
  const pipelines = await countGitLab(fake, '/pipelines');
  return {
    name: 'GitLab',
    unit: 'pipelines',
    total: pipelines,
    scopes: fake.world.projects.length - 2,
    latencyMs: LATENCY_MS,
    addArgs: [
      'gitlab',
      '--url',
      fake.url,
      '--token',
      '-',
      '--exclude-projects',
      'data/dashboards',
      '--requests-per-minute',
      String(GITLAB_REQUESTS_PER_MINUTE),
    ],
    stdin: fake.token,
    streams: ['pipelines'],
    requests: () => fake.requests().filter((r) => r.path.startsWith('/api/v4')),
    clearRequests: () => fake.clearRequests(),
    anHourLater: () => fake.advance(HOUR),
    kinds: {
      'project lists': /^\/api\/v4\/projects$/,
      'list pages': /\/(repository\/commits|merge_requests|pipelines|deployments)$/,
      'row details': /\/(pipelines\/\d+|pipelines\/\d+\/jobs|merge_requests\/\d+\/(commits|notes))$/,
    },
    close: () => fake.close(),
  };
}

/** Pipelines the sync will see (last 90 days, projects in scope), counted on the fake's own API. */
async function countGitLab(fake: FakeGitLab, what: string): Promise<number> {
  let n = 0;
  const headers = { 'PRIVATE-TOKEN': fake.token };
  const since = new Date(fake.now() - 90 * 86_400_000).toISOString();
  for (const p of fake.world.projects) {
    if (p.pathWithNamespace === 'data/dashboards' || p.pathWithNamespace === 'data/warehouse-etl') continue;
    for (let page = '1'; page !== '';) {
      const q = new URLSearchParams({ per_page: '100', page, updated_after: since });
      const res = await fetch(`${fake.apiUrl}/projects/${p.id}${what}?${q}`, { headers });
      n += ((await res.json()) as unknown[]).length;
      page = res.headers.get('x-next-page') ?? '';
    }
  }
  fake.clearRequests();
  return n;
}

interface RequestCounts {
  total: number;
  failed: number;
  byKind: Record<string, number>;
}

function countRequests(up: Upstream): RequestCounts {
  const r = up.requests();
  return {
    total: r.length,
    failed: r.filter((x) => x.status >= 400).length,
    byKind: Object.fromEntries(Object.entries(up.kinds).map(([k, re]) => [k, r.filter((x) => re.test(x.path)).length])),
  };
}

/** The records of the given streams in `sei sync` output. */
function streamRecords(stdout: string, streams: string[]): number {
  let n = 0;
  for (const stream of streams) {
    const m = new RegExp(`${stream}\\s+succeeded\\s+(\\d+) records`).exec(stdout);
    if (m === null) throw new Error(`no succeeded ${stream} line in:\n${stdout}`);
    n += Number(m[1]);
  }
  return n;
}

interface FirstSync {
  records: number;
  seconds: number;
  recordsPerSec: number;
  requests: RequestCounts;
  peakRssMb: number;
  cpuSeconds: number;
}

interface Incremental {
  seconds: number;
  records: number;
  requests: RequestCounts;
}

interface StoreResult {
  upstream: string;
  store: StoreKind;
  first: FirstSync[];
  unchanged: Incremental[];
  newHour: Incremental[];
}

async function benchStore(kind: StoreKind, up: Upstream, pg: BenchPostgres | undefined): Promise<StoreResult> {
  const result: StoreResult = { upstream: up.name, store: kind, first: [], unchanged: [], newHour: [] };
  const incremental = async (id: string, env: Record<string, string>): Promise<Incremental> => {
    up.clearRequests();
    const run = await sei(['sync', id, '--tenant', 'bench'], env);
    return { seconds: run.ms / 1000, records: streamRecords(run.stdout, up.streams), requests: countRequests(up) };
  };
  for (let round = 0; round < FIRST_ROUNDS; round++) {
    const store = await openStore(kind, pg, round);
    try {
      await sei(['tenants', 'create', 'bench'], store.env);
      const add = await sei(
        ['integrations', 'add', ...up.addArgs, '--name', 'bench', '--history-days', '90', '--tenant', 'bench'],
        store.env,
        up.stdin,
      );
      const id = add.stdout.trim().split('\n').at(-1)!;
      up.clearRequests();
      const first = await sei(['sync', id, '--tenant', 'bench'], store.env);
      const records = streamRecords(first.stdout, up.streams);
      const f: FirstSync = {
        records,
        seconds: first.ms / 1000,
        recordsPerSec: records / (first.ms / 1000),
        requests: countRequests(up),
        peakRssMb: first.peakRssMb,
        cpuSeconds: first.cpuSeconds,
      };
      result.first.push(f);
      process.stdout.write(
        `  ${up.name} on ${kind}: first sync of ${records} ${up.unit} in ${f.seconds.toFixed(1)} s ` +
          `(${f.recordsPerSec.toFixed(0)}/s), ${f.requests.total} requests, peak RSS ${f.peakRssMb.toFixed(0)} MB\n`,
      );
      if (round > 0) continue;
      for (let i = 0; i < ROUNDS; i++) result.unchanged.push(await incremental(id, store.env));
      for (let i = 0; i < ROUNDS; i++) {
        // An hour passes upstream: running work finishes and new work starts.
        up.anHourLater();
        result.newHour.push(await incremental(id, store.env));
      }
    } finally {
      await store.close();
    }
  }
  return result;
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);
const spread = (xs: number[], digits = 0): string =>
  xs.length === 0 ? '-' : `${fmt(min(xs), digits)} / ${fmt(median(xs), digits)} / ${fmt(max(xs), digits)}`;

function report(up: Upstream, results: StoreResult[]): void {
  process.stdout.write(
    `\n${up.name} sync, ${up.total} ${up.unit} in ${up.scopes} projects, ${up.latencyMs} ms per request (min / median / max)\n`,
  );
  for (const r of results) {
    const f = r.first;
    process.stdout.write(
      `${r.store.padEnd(9)} first sync: ${spread(f.map((x) => x.recordsPerSec))} ${up.unit}/s, ` +
        `${spread(
          f.map((x) => x.seconds),
          1,
        )} s, ${spread(f.map((x) => x.requests.total))} requests, peak RSS ${spread(f.map((x) => x.peakRssMb))} MB, ` +
        `CPU ${spread(
          f.map((x) => x.cpuSeconds),
          1,
        )} s\n`,
    );
    for (const [label, xs] of [
      ['nothing changed', r.unchanged],
      ['one hour later', r.newHour],
    ] as const) {
      const kinds = Object.keys(up.kinds)
        .map((k) => `${k} ${spread(xs.map((x) => x.requests.byKind[k] ?? 0))}`)
        .join(', ');
      process.stdout.write(
        `${''.padEnd(9)} ${label.padEnd(16)} requests ${spread(xs.map((x) => x.requests.total))} (${kinds}), ` +
          `${up.unit} ${spread(xs.map((x) => x.records))}, seconds ${spread(
            xs.map((x) => x.seconds),
            2,
          )}\n`,
      );
    }
  }
}

async function main(): Promise<void> {
  let pg: BenchPostgres | undefined;
  const all: {
    upstream: Omit<Upstream, 'requests' | 'clearRequests' | 'anHourLater' | 'close'>;
    results: StoreResult[];
  }[] = [];
  try {
    if (STORES.includes('postgres')) pg = await startBenchPostgres();
    for (const make of UPSTREAMS) {
      const started = Date.now();
      const up = await make();
      process.stdout.write(
        `${up.name}: ${up.total} ${up.unit} in ${up.scopes} projects, made in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      const results: StoreResult[] = [];
      try {
        for (const kind of STORES) results.push(await benchStore(kind, up, pg));
      } finally {
        await up.close();
      }
      report(up, results);
      all.push({ upstream: { ...up, addArgs: [], stdin: '' }, results });
    }
  } finally {
    pg?.stop();
  }
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ when: new Date().toISOString(), machine: machine(), runs: all }, null, 2));
  process.stdout.write(`\nWrote ${OUT}\n`);
}

await main();
