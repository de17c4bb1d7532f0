// `npm run bench:sync` (also part of `npm run bench`): the Harness NG sync as a user runs it, `sei sync` in
// its own process, against the fake Harness server (test/fakes/harness) with a fixed latency per request.
// Measures a first sync of >= 100,000 executions (executions/s, requests, peak memory, CPU) and what an
// incremental sync asks when nothing changed and when an hour of new executions arrived, on both stores.
// Prints a table and writes artifacts/bench-sync.json. See BENCHMARKS.md.
//
// Knobs (environment): BENCH_STORES (pglite,postgres), BENCH_SYNC_EXECUTIONS_PER_DAY (per pipeline-day
// factor of the fake; 110 gives about 103,000 executions in 90 days), BENCH_SYNC_LATENCY_MS (50),
// BENCH_SYNC_FIRST_ROUNDS (1), BENCH_SYNC_ROUNDS (5, for the incremental syncs).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDb } from '../src/store/pg-db.js';
import { startFakeHarness, type FakeHarness } from '../test/fakes/harness/server.js';
import { machine } from './machine.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import type { StoreKind } from './protocol.js';
import { envNumber, max, median, min } from './stats.js';

const PER_DAY = envNumber('BENCH_SYNC_EXECUTIONS_PER_DAY', 110);
const LATENCY_MS = envNumber('BENCH_SYNC_LATENCY_MS', 50);
const FIRST_ROUNDS = Math.round(envNumber('BENCH_SYNC_FIRST_ROUNDS', 1));
const ROUNDS = Math.round(envNumber('BENCH_SYNC_ROUNDS', 5));
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

interface RequestCounts {
  total: number;
  orgs: number;
  projects: number;
  summaries: number;
  retried: number;
}

function countRequests(fake: FakeHarness): RequestCounts {
  const r = fake.requests();
  return {
    total: r.length,
    orgs: r.filter((x) => x.path === '/v1/orgs').length,
    projects: r.filter((x) => /^\/v1\/orgs\/[^/]+\/projects$/.test(x.path)).length,
    summaries: r.filter((x) => x.path.endsWith('/execution/summary')).length,
    retried: r.filter((x) => x.status >= 400).length,
  };
}

/** The records line of the executions stream in `sei sync` output. */
function executionsRecords(stdout: string): number {
  const m = /executions\s+succeeded\s+(\d+) records/.exec(stdout);
  if (m === null) throw new Error(`no executions line in:\n${stdout}`);
  return Number(m[1]);
}

interface FirstSync {
  executions: number;
  seconds: number;
  executionsPerSec: number;
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
  store: StoreKind;
  first: FirstSync[];
  unchanged: Incremental[];
  newHour: Incremental[];
}

async function benchStore(kind: StoreKind, fake: FakeHarness, pg: BenchPostgres | undefined): Promise<StoreResult> {
  const result: StoreResult = { store: kind, first: [], unchanged: [], newHour: [] };
  for (let round = 0; round < FIRST_ROUNDS; round++) {
    const store = await openStore(kind, pg, round);
    try {
      await sei(['tenants', 'create', 'bench'], store.env);
      const add = await sei(
        [
          'integrations',
          'add',
          'harnessng',
          '--name',
          'bench',
          '--url',
          fake.url,
          '--api-key',
          '-',
          '--account-id',
          fake.accountId,
          '--history-days',
          '90',
          '--tenant',
          'bench',
        ],
        store.env,
        fake.token,
      );
      const id = add.stdout.trim().split('\n').at(-1)!;
      fake.clearRequests();
      const first = await sei(['sync', id, '--tenant', 'bench'], store.env);
      const executions = executionsRecords(first.stdout);
      result.first.push({
        executions,
        seconds: first.ms / 1000,
        executionsPerSec: executions / (first.ms / 1000),
        requests: countRequests(fake),
        peakRssMb: first.peakRssMb,
        cpuSeconds: first.cpuSeconds,
      });
      process.stdout.write(
        `  ${kind} first sync: ${executions} executions in ${(first.ms / 1000).toFixed(1)} s ` +
          `(${(executions / (first.ms / 1000)).toFixed(0)}/s), ${countRequests(fake).total} requests, ` +
          `peak RSS ${first.peakRssMb.toFixed(0)} MB\n`,
      );
      if (round > 0) continue;
      for (let i = 0; i < ROUNDS; i++) {
        fake.clearRequests();
        const run = await sei(['sync', id, '--tenant', 'bench'], store.env);
        result.unchanged.push({
          seconds: run.ms / 1000,
          records: executionsRecords(run.stdout),
          requests: countRequests(fake),
        });
      }
      for (let i = 0; i < ROUNDS; i++) {
        // An hour passes upstream: running executions finish and new ones start.
        fake.advance(HOUR);
        fake.tick(20);
        fake.clearRequests();
        const run = await sei(['sync', id, '--tenant', 'bench'], store.env);
        result.newHour.push({
          seconds: run.ms / 1000,
          records: executionsRecords(run.stdout),
          requests: countRequests(fake),
        });
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

async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(`Generating the fake Harness account (${PER_DAY} executions per pipeline-day factor)...\n`);
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
  const total = fake.executions().length;
  process.stdout.write(
    `  ${total} executions, ${fake.data.projects.length} projects, generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  let pg: BenchPostgres | undefined;
  const results: StoreResult[] = [];
  try {
    if (STORES.includes('postgres')) pg = await startBenchPostgres();
    for (const kind of STORES) results.push(await benchStore(kind, fake, pg));
  } finally {
    await fake.close();
    pg?.stop();
  }
  const report = {
    when: new Date().toISOString(),
    machine: machine(),
    fake: { executions: total, projects: fake.data.projects.length, latencyMs: LATENCY_MS },
    results,
  };
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 2));
  process.stdout.write(
    `\nHarness NG sync, ${total} executions in ${fake.data.projects.length} projects, ${LATENCY_MS} ms per request\n`,
  );
  process.stdout.write(
    'store     first sync: executions/s (min / median / max)   s      requests  peak RSS MB  CPU s\n',
  );
  for (const r of results) {
    process.stdout.write(
      `${r.store.padEnd(9)} ${spread(r.first.map((f) => f.executionsPerSec)).padEnd(45)} ${spread(
        r.first.map((f) => f.seconds),
        1,
      ).padEnd(
        6,
      )} ${spread(r.first.map((f) => f.requests.total)).padEnd(9)} ${spread(r.first.map((f) => f.peakRssMb))} ${spread(
        r.first.map((f) => f.cpuSeconds),
        1,
      )}\n`,
    );
  }
  process.stdout.write('\nincremental syncs (min / median / max)\n');
  for (const r of results) {
    for (const [label, xs] of [
      ['nothing changed', r.unchanged],
      ['one hour of new executions', r.newHour],
    ] as const) {
      const sample = xs[0]?.requests;
      process.stdout.write(
        `${r.store.padEnd(9)} ${label.padEnd(27)} requests ${spread(xs.map((x) => x.requests.total))}` +
          ` (orgs ${sample?.orgs ?? '-'}, project lists ${sample?.projects ?? '-'}, executions ${spread(xs.map((x) => x.requests.summaries))})` +
          `, records ${spread(xs.map((x) => x.records))}, seconds ${spread(
            xs.map((x) => x.seconds),
            2,
          )}\n`,
      );
    }
  }
  process.stdout.write(`\nWrote ${OUT}\n`);
}

await main();
