// `npm run bench:soak`: a steady ingest rate held for minutes on each store, with dashboard reads alongside.
// Records latency (p50/p99 per minute and over the whole run) and the server's memory (heap after a forced
// collection, RSS) every SOAK_SAMPLE_SECONDS, and checks that memory stays flat: the retained heap at the end
// may exceed the one after the warm-up by at most SOAK_HEAP_GROWTH_MB, else the bench fails (exit 1).
// Writes artifacts/bench-soak.json. See BENCHMARKS.md.
//
// Open loop: requests leave on a fixed schedule whatever the server does, and each latency is counted from
// the moment its request was due, so a server that falls behind shows it (no coordinated omission).
//
// Memory is sampled with the server's garbage collected first (it runs with --expose-gc): the heap figure is
// what the server keeps, not what it has not yet freed. A sample can still land while a bulk body is in flight,
// so the check compares the means of the first and the last fifth of the samples.
//
// Knobs (environment): SOAK_MINUTES per store (5), SOAK_RATE single-run requests per second (50),
// SOAK_BULK_EVERY seconds between bulk requests of SOAK_BULK_RUNS runs (10, 500), SOAK_STORES (pglite,postgres),
// SOAK_WARMUP_SECONDS (60), SOAK_SAMPLE_SECONDS (10), SOAK_HEAP_GROWTH_MB (16).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PgDb } from '../src/store/pg-db.js';
import { HttpClient, type HttpAnswer } from './http.js';
import { BULK_PATH, SINGLE_PATH } from './ingest.js';
import { machine } from './machine.js';
import type { StoreKind } from './protocol.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import { RunFactory } from './runs.js';
import { ServerProcess } from './server-process.js';
import { setUpIngest } from './setup.js';
import { envNumber, type Latency, latency, max, median, min } from './stats.js';

const MINUTES = envNumber('SOAK_MINUTES', 5);
const RATE = envNumber('SOAK_RATE', 50);
const BULK_EVERY_S = envNumber('SOAK_BULK_EVERY', 10);
const BULK_RUNS = Math.round(envNumber('SOAK_BULK_RUNS', 500));
const WARMUP_S = envNumber('SOAK_WARMUP_SECONDS', 60);
const SAMPLE_S = envNumber('SOAK_SAMPLE_SECONDS', 10);
const HEAP_GROWTH_MB = envNumber('SOAK_HEAP_GROWTH_MB', 16);
/** Requests in flight beyond this are not sent: the server is behind, and the report says how often. */
const MAX_IN_FLIGHT = 256;
const STORES = (process.env['SOAK_STORES'] ?? 'pglite,postgres').split(',').map((s) => s.trim()) as StoreKind[];
for (const s of STORES) if (s !== 'pglite' && s !== 'postgres') throw new Error(`SOAK_STORES: unknown store "${s}"`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'artifacts', 'bench-soak.json');
const MB = 1024 * 1024;

const log = (msg: string): void => void process.stderr.write(`[soak] ${msg}\n`);

type Kind = 'single' | 'bulk' | 'read';

/** One memory and throughput sample, taken every SAMPLE_S seconds. */
interface Sample {
  atSeconds: number;
  heapMB: number;
  rssMB: number;
  externalMB: number;
  runsInDb: number;
  /** Latency of the single-run requests due since the previous sample. */
  singleP50: number;
  singleP99: number;
}

interface StoreResult {
  store: StoreKind;
  version: string;
  seconds: number;
  sent: Record<Kind, number>;
  failed: Record<Kind, number>;
  /** Requests not sent because MAX_IN_FLIGHT were still unanswered. */
  skipped: number;
  acceptedRuns: number;
  runsInDb: number;
  latencyMs: Record<Kind, Latency>;
  samples: Sample[];
  memory: {
    heapAfterWarmupMB: number;
    heapEndMB: number;
    heapGrowthMB: number;
    heapSlopeMBPerMin: number;
    rssAfterWarmupMB: number;
    rssEndMB: number;
    rssMaxMB: number;
    flat: boolean;
  };
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** The mean of the samples in [from, to) seconds: one sample is noisy (a collection that just ran, a page cache). */
function meanBetween(samples: readonly Sample[], from: number, to: number, pick: (s: Sample) => number): number {
  const inside = samples.filter((s) => s.atSeconds >= from && s.atSeconds < to).map(pick);
  return inside.length === 0 ? Number.NaN : inside.reduce((a, b) => a + b, 0) / inside.length;
}

async function soakStore(kind: StoreKind): Promise<StoreResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sei-soak-data-'));
  const env: Record<string, string> = { BENCH_DATA_DIR: dataDir };
  let pg: BenchPostgres | undefined;
  let server: ServerProcess | undefined;
  const http: HttpClient[] = [];
  try {
    if (kind === 'postgres') {
      pg = await startBenchPostgres();
      const admin = new PgDb(pg.url, 1);
      await admin.query('CREATE DATABASE sei_soak');
      await admin.close();
      env['BENCH_DATABASE_URL'] = pg.url.replace(/\/postgres$/, '/sei_soak');
    }
    server = await ServerProcess.start(env, ['--expose-gc']);
    const srv = server;
    const { guid, key } = await setUpIngest(srv);
    const factory = new RunFactory(guid, `soak-${kind}`);
    const ingestHeaders = (type: string) => ({ authorization: `ApiKey ${key}`, 'content-type': type });
    const readHeaders = { authorization: `ApiKey ${srv.adminKey}` };
    const singleHttp = new HttpClient(srv.url, 64);
    const bulkHttp = new HttpClient(srv.url, 4);
    const readHttp = new HttpClient(srv.url, 4);
    http.push(singleHttp, bulkHttp, readHttp);

    const sent: Record<Kind, number> = { single: 0, bulk: 0, read: 0 };
    const failed: Record<Kind, number> = { single: 0, bulk: 0, read: 0 };
    const latencies: Record<Kind, number[]> = { single: [], bulk: [], read: [] };
    let windowSingle: number[] = [];
    let skipped = 0;
    let inFlight = 0;
    let acceptedRuns = 0;
    let firstError: string | undefined;
    let measuring = false;

    const fire = (kind: Kind, due: number, call: () => Promise<HttpAnswer>, ok: (a: HttpAnswer) => number): void => {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        return;
      }
      inFlight++;
      if (measuring) sent[kind]++;
      void call()
        .then((answer) => {
          const runs = ok(answer);
          if (runs < 0) throw new Error(`${kind}: ${answer.status} ${answer.text.slice(0, 200)}`);
          acceptedRuns += runs;
          if (!measuring) return;
          const ms = performance.now() - due;
          latencies[kind].push(ms);
          if (kind === 'single') windowSingle.push(ms);
        })
        .catch((err: unknown) => {
          if (measuring) failed[kind]++;
          firstError ??= err instanceof Error ? err.message : String(err);
        })
        .finally(() => inFlight--);
    };
    const single = (due: number) =>
      fire(
        'single',
        due,
        () => singleHttp.post(SINGLE_PATH, factory.next(), ingestHeaders('application/json')),
        (a) => (a.status === 201 || a.status === 200 ? 1 : -1),
      );
    const bulk = (due: number) =>
      fire(
        'bulk',
        due,
        () => bulkHttp.post(BULK_PATH, factory.ndjson(BULK_RUNS), ingestHeaders('application/x-ndjson')),
        (a) =>
          a.status === 200 || a.status === 207 ? ((JSON.parse(a.text) as { accepted: number }).accepted ?? -1) : -1,
      );
    // What a dashboard asks while CI servers post: the runs list and the deployment frequency of the last 30 days.
    let reads = 0;
    const read = (due: number) => {
      const path = reads++ % 2 === 0 ? '/v1/cicd/runs?limit=50' : '/v1/metrics/deployment-frequency';
      fire(
        'read',
        due,
        () => readHttp.get(path, readHeaders),
        (a) => (a.status === 200 ? 0 : -1),
      );
    };

    const totalS = WARMUP_S + MINUTES * 60;
    log(
      `${kind}: ${WARMUP_S} s warm-up, then ${MINUTES} min at ${RATE} req/s + ${BULK_RUNS} runs every ${BULK_EVERY_S} s`,
    );
    const samples: Sample[] = [];
    const start = performance.now();
    const interval = 1000 / RATE;
    let nextSingle = start;
    let nextBulk = start;
    let nextRead = start;
    let nextSample = start + WARMUP_S * 1000;
    const end = start + totalS * 1000;
    while (performance.now() < end) {
      const now = performance.now();
      if (!measuring && now >= start + WARMUP_S * 1000) measuring = true;
      for (; nextSingle <= now; nextSingle += interval) single(nextSingle);
      for (; nextBulk <= now; nextBulk += BULK_EVERY_S * 1000) bulk(nextBulk);
      for (; nextRead <= now; nextRead += 1000) read(nextRead);
      if (now >= nextSample) {
        nextSample += SAMPLE_S * 1000;
        const stats = await srv.stats({ gc: true });
        const w = latency(windowSingle);
        windowSingle = [];
        const sample: Sample = {
          atSeconds: Math.round((now - start) / 1000 - WARMUP_S),
          heapMB: stats.memory.heapUsed / MB,
          rssMB: stats.memory.rss / MB,
          externalMB: stats.memory.external / MB,
          runsInDb: stats.runs,
          singleP50: w.p50,
          singleP99: w.p99,
        };
        samples.push(sample);
        log(
          `${kind} +${sample.atSeconds}s: heap ${sample.heapMB.toFixed(1)} MB, rss ${sample.rssMB.toFixed(0)} MB, ` +
            `${sample.runsInDb} runs, single p50 ${w.p50.toFixed(1)} / p99 ${w.p99.toFixed(1)} ms, ${inFlight} in flight`,
        );
      }
      await new Promise((r) =>
        setTimeout(r, Math.max(0, Math.min(nextSingle, nextBulk, nextRead) - performance.now())),
      );
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    const stats = await srv.stats({ gc: true });
    if (firstError !== undefined) log(`${kind}: first failure: ${firstError}`);
    if (stats.runs !== acceptedRuns) {
      throw new Error(`${kind}: the server accepted ${acceptedRuns} runs but stores ${stats.runs}`);
    }

    // Memory: the mean over the first and the last fifth of the measured samples (after the warm-up).
    const measuredS = MINUTES * 60;
    const fifth = measuredS / 5;
    const heapStart = meanBetween(samples, 0, fifth, (s) => s.heapMB);
    const heapEnd = meanBetween(samples, measuredS - fifth, measuredS + 1, (s) => s.heapMB);
    const rssStart = meanBetween(samples, 0, fifth, (s) => s.rssMB);
    const rssEnd = meanBetween(samples, measuredS - fifth, measuredS + 1, (s) => s.rssMB);
    const growth = heapEnd - heapStart;
    return {
      store: kind,
      version: srv.store.version.split(' on ')[0] ?? srv.store.version,
      seconds: measuredS,
      sent,
      failed,
      skipped,
      acceptedRuns,
      runsInDb: stats.runs,
      latencyMs: { single: latency(latencies.single), bulk: latency(latencies.bulk), read: latency(latencies.read) },
      samples,
      memory: {
        heapAfterWarmupMB: heapStart,
        heapEndMB: heapEnd,
        heapGrowthMB: growth,
        heapSlopeMBPerMin: slope(samples.map((s) => ({ x: s.atSeconds / 60, y: s.heapMB }))),
        rssAfterWarmupMB: rssStart,
        rssEndMB: rssEnd,
        rssMaxMB: max(samples.map((s) => s.rssMB)),
        flat: growth <= HEAP_GROWTH_MB,
      },
    };
  } finally {
    for (const h of http) h.close();
    await server?.stop();
    pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(results: readonly StoreResult[]): string {
  const head = ['store', 'kind', 'requests', 'failed', 'p50 ms', 'p99 ms', 'max ms'];
  const rows = results.flatMap((r) =>
    (['single', 'bulk', 'read'] as const).map((k) => [
      r.store,
      k === 'bulk' ? `bulk ${BULK_RUNS}` : k,
      String(r.sent[k]),
      String(r.failed[k]),
      fmt(r.latencyMs[k].p50, 1),
      fmt(r.latencyMs[k].p99, 1),
      fmt(r.latencyMs[k].max, 1),
    ]),
  );
  const mem = results.map(
    (r) =>
      `${r.store}: ${r.acceptedRuns} runs stored; heap after warm-up ${fmt(r.memory.heapAfterWarmupMB, 1)} MB, ` +
      `at the end ${fmt(r.memory.heapEndMB, 1)} MB (${r.memory.heapGrowthMB >= 0 ? '+' : ''}` +
      `${fmt(r.memory.heapGrowthMB, 1)} MB, slope ${fmt(r.memory.heapSlopeMBPerMin, 2)} MB/min); RSS ` +
      `${fmt(r.memory.rssAfterWarmupMB)} → ${fmt(r.memory.rssEndMB)} MB (max ${fmt(r.memory.rssMaxMB)}); ` +
      `${r.skipped} requests not sent (server behind); memory ${r.memory.flat ? 'flat' : 'GROWING'}`,
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => `-${'-'.repeat(w)}${i < 2 ? '-' : ':'}`).join('|')}|`;
  return [line(head), rule, ...rows.map(line), '', ...mem].join('\n');
}

async function main(): Promise<void> {
  const host = machine();
  log(`${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB, node ${host.node}`);
  const results: StoreResult[] = [];
  for (const kind of STORES) results.push(await soakStore(kind));
  // Per sample window (a window with no single-run answer, the first one, has no figure).
  const spread = (values: number[]) => {
    const known = values.filter((v) => Number.isFinite(v));
    return { min: min(known), median: median(known), max: max(known) };
  };
  const perMinute = results.map((r) => ({
    store: r.store,
    singleP50PerSample: spread(r.samples.map((s) => s.singleP50)),
    singleP99PerSample: spread(r.samples.map((s) => s.singleP99)),
  }));
  const report = {
    benchmark: 'soak',
    date: new Date().toISOString(),
    machine: host,
    config: {
      minutes: MINUTES,
      rate: RATE,
      bulkEverySeconds: BULK_EVERY_S,
      bulkRuns: BULK_RUNS,
      warmupSeconds: WARMUP_S,
    },
    results,
    perSample: perMinute,
  };
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\n${table(results)}\n\n`);
  for (const p of perMinute) {
    process.stdout.write(
      `${p.store}: single p50 per ${SAMPLE_S} s sample min/median/max ${fmt(p.singleP50PerSample.min, 1)}/` +
        `${fmt(p.singleP50PerSample.median, 1)}/${fmt(p.singleP50PerSample.max, 1)} ms, p99 min/median/max ` +
        `${fmt(p.singleP99PerSample.min, 1)}/${fmt(p.singleP99PerSample.median, 1)}/${fmt(p.singleP99PerSample.max, 1)} ms\n`,
    );
  }
  process.stdout.write(`wrote ${OUT}\n`);
  const growing = results.filter((r) => !r.memory.flat);
  if (growing.length > 0) {
    throw new Error(
      `memory grew by more than ${HEAP_GROWTH_MB} MB on ${growing.map((r) => r.store).join(', ')} (see the table)`,
    );
  }
  const failures = results.filter((r) => r.failed.single + r.failed.bulk + r.failed.read > 0);
  if (failures.length > 0) throw new Error(`failed requests on ${failures.map((r) => r.store).join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[soak] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
