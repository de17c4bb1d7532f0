// `npm run bench`: ingestion throughput and latency of POST /v1/custom-cicd and /v1/custom-cicd/bulk on
// both stores. Prints a table and writes artifacts/bench-ingest.json. See BENCHMARKS.md.
//
// Knobs (environment): BENCH_ROUNDS (5), BENCH_SECONDS per round (4), BENCH_STORES (pglite,postgres).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDb } from '../src/store/pg-db.js';
import { HttpClient } from './http.js';
import { loadRound, type Scenario } from './ingest.js';
import { cpuTicks, machine } from './machine.js';
import type { StoreInfo, StoreKind } from './protocol.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import { type MixStats, RunFactory } from './runs.js';
import { ServerProcess } from './server-process.js';
import { type Latency, latency, max, median, min } from './stats.js';

export const SCENARIOS: readonly Scenario[] = [
  { name: 'single c=8', mode: 'single', clients: 8, runsPerRequest: 1 },
  { name: 'single c=32', mode: 'single', clients: 32, runsPerRequest: 1 },
  { name: 'bulk 1000 c=1', mode: 'bulk', clients: 1, runsPerRequest: 1000 },
  { name: 'bulk 1000 c=4', mode: 'bulk', clients: 4, runsPerRequest: 1000 },
];

function envNumber(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 5));
const SECONDS = envNumber('BENCH_SECONDS', 4);
const WARMUP_SECONDS = Math.min(2, SECONDS);
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
  cpu: { server: number; client: number; rest: number; machine: number };
  db: { statementsPerRun: number; transactionsPerRun: number; txHeldShare: number; outsideTxMsPerRequest: number };
}

export interface ScenarioResult {
  store: StoreKind;
  scenario: Scenario;
  rounds: Round[];
  runsPerSec: { min: number; median: number; max: number };
  /** Per request, pooled over all measured rounds. */
  latencyMs: Latency;
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function setUp(server: ServerProcess): Promise<{ guid: string; key: string }> {
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `ApiKey ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const integration = await call('/v1/integrations', { type: 'custom', name: 'bench-ci' });
  const instance = await call('/v1/cicd/instances', {
    integration_id: integration['id'],
    name: 'Jenkins-bench',
    type: 'jenkins',
  });
  // CI servers get an ingestion key, not an admin key.
  const key = await call('/v1/keys', { name: 'bench ci', role: 'ingestion' });
  return { guid: String(instance['id']), key: String(key['key']) };
}

async function measure(
  server: ServerProcess,
  http: HttpClient,
  key: string,
  scenario: Scenario,
  factory: RunFactory,
  seconds: number,
): Promise<{ round: Round; latenciesMs: number[] }> {
  const before = await server.stats();
  const client0 = process.cpuUsage();
  const ticks0 = cpuTicks();
  const load = await loadRound(http, key, scenario, factory, seconds);
  const ticks1 = cpuTicks();
  const client = process.cpuUsage(client0);
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
  const cores = (us: number): number => us / 1e6 / wall;
  const server_ = cores(after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system);
  const client_ = cores(client.user + client.system);
  const ticks = ticks1.total - ticks0.total;
  const machineCores = ticks > 0 ? ((ticks1.busy - ticks0.busy) / ticks) * availableParallelism() : 0;
  const statements = after.db.statements - before.db.statements;
  const transactions = after.db.transactions - before.db.transactions;
  return {
    latenciesMs: load.latenciesMs,
    round: {
      runsPerSec: load.accepted / wall,
      requestsPerSec: load.requests / wall,
      seconds: wall,
      accepted: load.accepted,
      requests: load.requests,
      cpu: {
        server: server_,
        client: client_,
        rest: Math.max(0, machineCores - server_ - client_),
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

async function benchStore(
  kind: StoreKind,
): Promise<{ store: StoreInfo; pgSettings: string[] | null; results: ScenarioResult[]; mix: MixStats }> {
  let pg: BenchPostgres | undefined;
  let server: ServerProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'sei-bench-data-'));
  try {
    const env: Record<string, string> = { BENCH_DATA_DIR: dataDir };
    if (kind === 'postgres') {
      pg = await startBenchPostgres();
      const admin = new PgDb(pg.url, 1);
      await admin.query('CREATE DATABASE sei_bench');
      await admin.close();
      env['BENCH_DATABASE_URL'] = pg.url.replace(/\/postgres$/, '/sei_bench');
    }
    server = await ServerProcess.start(env);
    log(`${kind}: server pid ${server.pid} on ${server.url} (${server.store.version.split(' on ')[0]})`);
    const { guid, key } = await setUp(server);
    const factory = new RunFactory(guid, `bench-${kind}-${Date.now()}`);
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const http = new HttpClient(server.url, scenario.clients);
      try {
        await measure(server, http, key, scenario, factory, WARMUP_SECONDS);
        const rounds: Round[] = [];
        const samples: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const { round, latenciesMs } = await measure(server, http, key, scenario, factory, SECONDS);
          rounds.push(round);
          samples.push(...latenciesMs);
          log(
            `${kind} ${scenario.name} round ${r + 1}/${ROUNDS}: ${round.runsPerSec.toFixed(0)} runs/s, ` +
              `${round.requests} requests, stored count checked`,
          );
        }
        const rps = rounds.map((x) => x.runsPerSec);
        results.push({
          store: kind,
          scenario,
          rounds,
          runsPerSec: { min: min(rps), median: median(rps), max: max(rps) },
          latencyMs: latency(samples),
        });
      } finally {
        http.close();
      }
    }
    return { store: server.store, pgSettings: pg?.settings ?? null, results, mix: { ...factory.stats } };
  } finally {
    await server?.stop();
    pg?.stop();
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
    'CPU server',
    'CPU client',
    'CPU rest',
  ];
  const rows = results.map((r) => {
    const m = (f: (x: Round) => number): number => median(r.rounds.map(f));
    return [
      r.store,
      r.scenario.name,
      fmt(r.runsPerSec.min),
      fmt(r.runsPerSec.median),
      fmt(
        m((x) => x.requestsPerSec),
        r.scenario.mode === 'bulk' ? 2 : 0,
      ),
      fmt(r.latencyMs.p50, 1),
      fmt(r.latencyMs.p90, 1),
      fmt(r.latencyMs.p99, 1),
      fmt(r.latencyMs.max, 1),
      fmt(
        m((x) => x.db.statementsPerRun),
        2,
      ),
      fmt(
        m((x) => x.cpu.server),
        2,
      ),
      fmt(
        m((x) => x.cpu.client),
        2,
      ),
      fmt(
        m((x) => x.cpu.rest),
        2,
      ),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w - 1)}:-`)).join('|')}|`;
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
    `${ROUNDS} rounds of ${SECONDS} s per scenario (after a ${WARMUP_SECONDS} s warm-up), stores: ${STORES.join(', ')}`,
  );
  const stores: { store: StoreInfo; pgSettings: string[] | null; mix: MixStats }[] = [];
  const results: ScenarioResult[] = [];
  for (const kind of STORES) {
    const out = await benchStore(kind);
    stores.push({ store: out.store, pgSettings: out.pgSettings, mix: out.mix });
    results.push(...out.results);
  }
  const mix = stores[0]?.mix;
  const report = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: host,
    config: { rounds: ROUNDS, secondsPerRound: SECONDS, warmupSeconds: WARMUP_SECONDS },
    stores,
    mix:
      mix === undefined
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
  for (const s of stores)
    process.stdout.write(`${s.store.kind}: ${s.store.version}; ${JSON.stringify(s.store.settings)}\n`);
  if (report.mix !== null) {
    const m = report.mix;
    process.stdout.write(
      `mix per run: ${fmt(m.bytesPerRun)} bytes, ${fmt(m.stagesPerRun, 2)} stages, ${fmt(m.stepsPerRun, 2)} steps, ` +
        `${fmt(m.commitsPerRun, 2)} commits, ${fmt(m.artifactsPerRun, 2)} artifacts, ${fmt(m.paramsPerRun, 2)} params\n`,
    );
  }
  process.stdout.write(`latency percentiles pool all measured rounds; CPU in cores (of ${host.cores}), median round\n`);
  process.stdout.write(`wrote ${OUT} in ${fmt(report.totalSeconds)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
