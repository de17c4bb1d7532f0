// `npm run bench`: ingestion throughput and latency of POST /v1/custom-cicd and /v1/custom-cicd/bulk on
// both stores. Prints a table and writes artifacts/bench-ingest.json. See BENCHMARKS.md.
//
// Knobs (environment): BENCH_ROUNDS (5), BENCH_SECONDS per round (4), BENCH_STORES (pglite,postgres),
// BENCH_SCENARIOS (comma-separated scenario names, e.g. "bulk 1000 c=1"; default all),
// BENCH_PRELOAD (runs stored before the server restarts and the measuring starts; 1000),
// BENCH_PROFILE (a folder: the server process writes V8 CPU profiles there).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDb } from '../src/store/pg-db.js';
import { HttpClient } from './http.js';
import { loadRound, type RoundLength, type Scenario } from './ingest.js';
import { cpuTicks, machine, processTreeCpuSeconds } from './machine.js';
import type { StoreInfo, StoreKind } from './protocol.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import { type MixStats, RunFactory } from './runs.js';
import { ServerProcess } from './server-process.js';
import { setUpIngest } from './setup.js';
import { envNumber, type Latency, latency, max, median, min } from './stats.js';

const ALL_SCENARIOS: readonly Scenario[] = [
  { name: 'single c=8', mode: 'single', clients: 8, runsPerRequest: 1 },
  { name: 'single c=32', mode: 'single', clients: 32, runsPerRequest: 1 },
  { name: 'bulk 1000 c=1', mode: 'bulk', clients: 1, runsPerRequest: 1000, requestsPerClient: 2 },
  // PGlite runs one transaction at a time, so parallel bulk senders only queue there (single c=32 shows it).
  {
    name: 'bulk 1000 c=4',
    mode: 'bulk',
    clients: 4,
    runsPerRequest: 1000,
    requestsPerClient: 1,
    stores: ['postgres'],
  },
];

const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 5));
const SECONDS = envNumber('BENCH_SECONDS', 4);
const WARMUP_SECONDS = SECONDS;
/** The first scenario after the server (re)starts warms up longer: V8 compiles the hot paths, PGlite's wasm tiers up. */
const FIRST_WARMUP_SECONDS = 2 * SECONDS;
const PRELOAD = 1000 * Math.max(1, Math.round(envNumber('BENCH_PRELOAD', 1000) / 1000));
const ONLY = process.env['BENCH_SCENARIOS']?.split(',').map((s) => s.trim());
export const SCENARIOS = ALL_SCENARIOS.filter((s) => ONLY === undefined || ONLY.includes(s.name));
if (SCENARIOS.length === 0) throw new Error(`BENCH_SCENARIOS: none of ${ALL_SCENARIOS.map((s) => s.name).join(', ')}`);
const STORES = (process.env['BENCH_STORES'] ?? 'pglite,postgres').split(',').map((s) => s.trim()) as StoreKind[];
for (const s of STORES) if (s !== 'pglite' && s !== 'postgres') throw new Error(`BENCH_STORES: unknown store "${s}"`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'artifacts', 'bench-ingest.json');

/** One measured round; CPU figures are in cores (CPU-seconds per wall second). */
export interface Round {
  runsPerSec: number;
  requestsPerSec: number;
  seconds: number;
  accepted: number;
  requests: number;
  /** Server process (HTTP + PGlite worker), bench client, PostgreSQL server, anything else on the machine. */
  cpu: { server: number; client: number; postgres: number; other: number; machine: number };
  db: { statementsPerRun: number; transactionsPerRun: number; txHeldShare: number; outsideTxMsPerRequest: number };
}

export interface ScenarioResult {
  store: StoreKind;
  scenario: Scenario;
  /** Runs stored after its warm-up and at its end (scenarios run in order on one growing database). */
  runsInDb: { start: number; end: number };
  rounds: Round[];
  runsPerSec: { min: number; median: number; max: number };
  /** Per request, pooled over all measured rounds. */
  latencyMs: Latency;
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** PostgreSQL servers to stop if the bench is interrupted (the server processes exit with their IPC channel). */
const running = new Set<BenchPostgres>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pg of running) pg.stop();
    process.exit(1);
  });
}

async function measure(
  server: ServerProcess,
  pgPid: number | undefined,
  http: HttpClient,
  key: string,
  scenario: Scenario,
  factory: RunFactory,
  length: RoundLength,
): Promise<{ round: Round; latenciesMs: number[]; runsInDb: number }> {
  const before = await server.stats();
  const pg0 = pgPid === undefined ? 0 : processTreeCpuSeconds(pgPid);
  const client0 = process.cpuUsage();
  const ticks0 = cpuTicks();
  const load = await loadRound(http, key, scenario, factory, length);
  const ticks1 = cpuTicks();
  const client = process.cpuUsage(client0);
  const pg1 = pgPid === undefined ? 0 : processTreeCpuSeconds(pgPid);
  const after = await server.stats();

  const stored = after.runs - before.runs;
  const raw = after.rawRecords - before.rawRecords;
  if (load.errors.length > 0) {
    throw new Error(`${scenario.name}: ${load.errors.length} failed requests, first: ${load.errors[0]}`);
  }
  if (stored !== load.accepted || raw !== load.accepted || load.created !== load.accepted) {
    throw new Error(
      `${scenario.name}: the server accepted ${load.accepted} runs (${load.created} created) ` +
        `but cicd_runs grew by ${stored} and raw_records by ${raw}`,
    );
  }
  const wall = load.seconds;
  const serverCores = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / wall;
  const clientCores = (client.user + client.system) / 1e6 / wall;
  const pgCores = (pg1 - pg0) / wall;
  const ticks = ticks1.total - ticks0.total;
  const machineCores = ticks > 0 ? ((ticks1.busy - ticks0.busy) / ticks) * availableParallelism() : 0;
  const statements = after.db.statements - before.db.statements;
  const transactions = after.db.transactions - before.db.transactions;
  return {
    latenciesMs: load.latenciesMs,
    runsInDb: after.runs,
    round: {
      runsPerSec: load.accepted / wall,
      requestsPerSec: load.requests / wall,
      seconds: wall,
      accepted: load.accepted,
      requests: load.requests,
      cpu: {
        server: serverCores,
        client: clientCores,
        postgres: pgCores,
        other: Math.max(0, machineCores - serverCores - clientCores - pgCores),
        machine: machineCores,
      },
      db: {
        statementsPerRun: statements / load.accepted,
        transactionsPerRun: transactions / load.accepted,
        txHeldShare: (after.db.txHeldMs - before.db.txHeldMs) / 1000 / wall,
        outsideTxMsPerRequest: (after.db.outsideTxMs - before.db.outsideTxMs) / load.requests,
      },
    },
  };
}

/** Cores busy on the machine over `seconds` while the bench does nothing: other load skews the numbers. */
async function backgroundLoad(seconds: number): Promise<number> {
  const t0 = cpuTicks();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const t1 = cpuTicks();
  const total = t1.total - t0.total;
  return total > 0 ? ((t1.busy - t0.busy) / total) * availableParallelism() : 0;
}

/** Warm-up, then ROUNDS measured rounds of one scenario; every round's stored count is checked. */
async function runScenario(
  kind: StoreKind,
  server: ServerProcess,
  pgPid: number | undefined,
  key: string,
  scenario: Scenario,
  factory: RunFactory,
  first: boolean,
): Promise<ScenarioResult> {
  const http = new HttpClient(server.url, scenario.clients);
  try {
    const perClient = scenario.requestsPerClient;
    const warmup: RoundLength =
      perClient !== undefined ? { requestsPerClient: 1 } : { seconds: first ? FIRST_WARMUP_SECONDS : WARMUP_SECONDS };
    const length: RoundLength = perClient !== undefined ? { requestsPerClient: perClient } : { seconds: SECONDS };
    const start = await measure(server, pgPid, http, key, scenario, factory, warmup);
    const rounds: Round[] = [];
    const samples: number[] = [];
    let end = start.runsInDb;
    for (let r = 0; r < ROUNDS; r++) {
      const m = await measure(server, pgPid, http, key, scenario, factory, length);
      rounds.push(m.round);
      samples.push(...m.latenciesMs);
      end = m.runsInDb;
      log(
        `${kind} ${scenario.name} round ${r + 1}/${ROUNDS}: ${m.round.runsPerSec.toFixed(0)} runs/s ` +
          `(${m.round.accepted} runs in ${m.round.seconds.toFixed(1)} s; stored count checked, ${end} in db)`,
      );
    }
    const rps = rounds.map((x) => x.runsPerSec);
    return {
      store: kind,
      scenario,
      runsInDb: { start: start.runsInDb, end },
      rounds,
      runsPerSec: { min: min(rps), median: median(rps), max: max(rps) },
      latencyMs: latency(samples),
    };
  } finally {
    http.close();
  }
}

/** Every scenario of one store, in order, on one server over one database. */
async function benchStore(kind: StoreKind): Promise<{
  store: StoreInfo;
  pgSettings: string[] | null;
  preloaded: number;
  results: ScenarioResult[];
  mix: MixStats;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sei-bench-data-'));
  const env: Record<string, string> = { BENCH_DATA_DIR: dataDir };
  let pg: BenchPostgres | undefined;
  let server: ServerProcess | undefined;
  try {
    if (kind === 'postgres') {
      pg = await startBenchPostgres();
      running.add(pg);
      const admin = new PgDb(pg.url, 1);
      await admin.query('CREATE DATABASE sei_bench');
      await admin.close();
      env['BENCH_DATABASE_URL'] = pg.url.replace(/\/postgres$/, '/sei_bench');
    }
    server = await ServerProcess.start(env);
    const { guid, key } = await setUpIngest(server);
    const factory = new RunFactory(guid, `bench-${kind}`);
    // A store with some history, and a server started after it grew: the foreign-key checks keep the plans
    // made when a table was first used, and on an empty table those are sequential scans (BENCHMARKS.md).
    const preload: Scenario = { name: 'preload', mode: 'bulk', clients: 1, runsPerRequest: 1000 };
    const http = new HttpClient(server.url, 1);
    const loaded = await measure(server, pg?.pid, http, key, preload, factory, { requestsPerClient: PRELOAD / 1000 });
    http.close();
    await server.stop();
    server = await ServerProcess.start(env);
    log(`${kind}: ${server.store.version.split(' on ')[0]}; ${loaded.runsInDb} runs preloaded, server restarted`);

    const results: ScenarioResult[] = [];
    const scenarios = SCENARIOS.filter((s) => s.stores === undefined || s.stores.includes(kind));
    for (const [i, scenario] of scenarios.entries()) {
      results.push(await runScenario(kind, server, pg?.pid, key, scenario, factory, i === 0));
    }
    return {
      store: server.store,
      pgSettings: pg?.settings ?? null,
      preloaded: loaded.runsInDb,
      results,
      mix: { ...factory.stats },
    };
  } finally {
    await server?.stop();
    if (pg !== undefined) {
      running.delete(pg);
      pg.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** A plain-text table, also valid Markdown. */
export function table(results: readonly ScenarioResult[]): string {
  const head = [
    'store',
    'scenario',
    'runs/s min',
    'runs/s median',
    'req/s median',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'stmts/run',
    'tx held',
    'server CPU ms/run',
    'pg CPU ms/run',
    'other cores',
  ];
  const rows = results.map((r) => {
    const med = (digits: number, f: (x: Round) => number): string => fmt(median(r.rounds.map(f)), digits);
    return [
      r.store,
      r.scenario.name,
      fmt(r.runsPerSec.min),
      fmt(r.runsPerSec.median),
      med(r.scenario.mode === 'bulk' ? 2 : 0, (x) => x.requestsPerSec),
      fmt(r.latencyMs.p50, 1),
      fmt(r.latencyMs.p90, 1),
      fmt(r.latencyMs.p99, 1),
      fmt(r.latencyMs.max, 1),
      med(2, (x) => x.db.statementsPerRun),
      med(2, (x) => x.db.txHeldShare),
      med(2, (x) => (x.cpu.server * 1000) / x.runsPerSec),
      r.store === 'postgres' ? med(2, (x) => (x.cpu.postgres * 1000) / x.runsPerSec) : '-',
      med(2, (x) => x.cpu.other),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => `-${'-'.repeat(w)}${i < 2 ? '-' : ':'}`).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const host = machine();
  log(`${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB, node ${host.node}`);
  log(
    `${ROUNDS} rounds per scenario (single: ${SECONDS} s each after a ${WARMUP_SECONDS} s warm-up, ` +
      `${FIRST_WARMUP_SECONDS} s for the first; bulk: a fixed number of requests after one warm-up request per ` +
      `client), stores: ${STORES.join(', ')}`,
  );
  const idle = await backgroundLoad(2);
  log(`background load before start: ${idle.toFixed(2)} cores busy`);
  if (idle > 0.2) log('WARNING: the machine is not idle; other processes will skew the numbers (see "other cores")');
  const stores: { store: StoreInfo; pgSettings: string[] | null; preloaded: number }[] = [];
  const mix: MixStats = { runs: 0, bytes: 0, stages: 0, steps: 0, commits: 0, artifacts: 0, params: 0 };
  const results: ScenarioResult[] = [];
  for (const kind of STORES) {
    const out = await benchStore(kind);
    stores.push({ store: out.store, pgSettings: out.pgSettings, preloaded: out.preloaded });
    results.push(...out.results);
    for (const k of Object.keys(mix) as (keyof MixStats)[]) mix[k] += out.mix[k];
  }
  const report = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: host,
    backgroundLoadCores: idle,
    config: {
      rounds: ROUNDS,
      secondsPerRound: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      firstWarmupSeconds: FIRST_WARMUP_SECONDS,
      preload: PRELOAD,
      scenarios: SCENARIOS,
    },
    stores,
    mix:
      mix.runs === 0
        ? null
        : {
            bytesPerRun: mix.bytes / mix.runs,
            stagesPerRun: mix.stages / mix.runs,
            stepsPerRun: mix.steps / mix.runs,
            commitsPerRun: mix.commits / mix.runs,
            artifactsPerRun: mix.artifacts / mix.runs,
            paramsPerRun: mix.params / mix.runs,
          },
    results,
    totalSeconds: (Date.now() - started) / 1000,
  };
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\n${table(results)}\n\n`);
  for (const { store } of stores) {
    if (store !== undefined)
      process.stdout.write(`${store.kind}: ${store.version}; ${JSON.stringify(store.settings)}\n`);
  }
  if (report.mix !== null) {
    const m = report.mix;
    process.stdout.write(
      `mix per run: ${fmt(m.bytesPerRun)} bytes, ${fmt(m.stagesPerRun, 2)} stages, ${fmt(m.stepsPerRun, 2)} steps, ` +
        `${fmt(m.commitsPerRun, 2)} commits, ${fmt(m.artifactsPerRun, 2)} artifacts, ${fmt(m.paramsPerRun, 2)} params\n`,
    );
  }
  process.stdout.write(
    'latency: per request, all measured rounds pooled. Median round: stmts/run (SQL statements, BEGIN/COMMIT ' +
      'not counted), tx held (transaction-seconds per second), CPU ms per run of the server process (HTTP + ' +
      `PGlite worker) and of PostgreSQL, other cores (busy with anything else; of ${host.cores})\n`,
  );
  process.stdout.write(`wrote ${OUT} in ${fmt(report.totalSeconds)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
