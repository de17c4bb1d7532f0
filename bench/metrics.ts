// `npm run bench:metrics` (also part of `npm run bench`): each DORA metric, and CI/CD health, over a 90-day
// window of a tenant with 1,000,000 CI/CD runs (100,000 of them production deployments) and 1,000,000
// connected commits, on PGlite and on PostgreSQL. The data is made by SQL (generate_series) straight into
// a migrated store, then each metric is computed as the API computes it (same functions, no HTTP) and timed.
// Prints a table and writes artifacts/bench-metrics.json. See BENCHMARKS.md.
//
// Knobs (environment): BENCH_STORES (pglite,postgres), BENCH_METRICS_RUNS (1000000), BENCH_METRICS_ROUNDS (5).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cicdHealth } from '../src/metrics/cicd-health.js';
import { changeFailureRate, deploymentFrequency, type MetricQuery, timeToRestore } from '../src/metrics/dora.js';
import { leadTime } from '../src/metrics/lead-time.js';
import { prepareDora } from '../src/metrics/materialize.js';
import type { DomainRun } from '../src/domain/cicd-run.js';
import { upsertRuns } from '../src/store/runs.js';
import { DEFAULT_PROFILE } from '../src/metrics/profile.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { PgDb } from '../src/store/pg-db.js';
import { PgliteDb } from '../src/store/pglite-db.js';
import { machine } from './machine.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import type { StoreKind } from './protocol.js';
import { envNumber, max, median, min } from './stats.js';

const RUNS = Math.round(envNumber('BENCH_METRICS_RUNS', 1_000_000));
const ROUNDS = Math.round(envNumber('BENCH_METRICS_ROUNDS', 5));
const STORES = (process.env['BENCH_STORES'] ?? 'pglite,postgres').split(',').map((s) => s.trim()) as StoreKind[];
for (const s of STORES) if (s !== 'pglite' && s !== 'postgres') throw new Error(`BENCH_STORES: unknown store "${s}"`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'artifacts', 'bench-metrics.json');
const DAY_MS = 86_400_000;
const END = Date.UTC(2024, 5, 1);
const START = END - 90 * DAY_MS;
const REPOS = 20;
const TENANT = 'bench';
const GUID = '00000000-0000-4000-8000-000000000001';
/** Commit k is deployed when it is the 10th, 20th... commit of its repository. */
const DEPLOY = `(k / ${20}) % 10 = 0`;
/** A multiplicative hash of k, to spread failures over repositories and time. */
const HASH = '((k::bigint * 2654435761) % 4294967296)';

/**
 * The data set, all by SQL. Commits: RUNS of them, commit k in repository k % 20, the child of the one 20
 * before it (one chain per repository), committed evenly over the 90 days. Runs: one per commit; every
 * 10th commit of each repository gets a production deployment (cd, webhook instance, no targets) of that
 * repository's service, shipping it one hour after it was made: each deployment ships 10 changes (its
 * commit and the 9 before it in that repository). 8% of runs fail and 2% are aborted, spread by a hash of
 * k. Each run has two stages.
 */
export async function generate(db: Db): Promise<number> {
  const started = performance.now();
  const step = (END - START) / RUNS;
  const exec = (sql: string, params: unknown[] = []) => db.query(sql, params);
  await exec(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [TENANT]);
  const [integ] = await db.query<{ id: number }>(
    `INSERT INTO integrations (tenant_id, type, name) VALUES ($1, 'custom', 'bench') RETURNING id`,
    [TENANT],
  );
  const id = integ!.id;
  await exec(
    `INSERT INTO cicd_instances (tenant_id, guid, integration_id, name, type) VALUES ($1, $2, $3, 'jenkins', 'jenkins')`,
    [TENANT, GUID, id],
  );
  await exec(
    `INSERT INTO scm_repos (tenant_id, integration_id, repo_key, full_path, name, default_branch)
     SELECT $1, $2, 'r' || r, 'acme/svc-' || r, 'svc-' || r, 'main' FROM generate_series(0, ${REPOS - 1}) r`,
    [TENANT, id],
  );
  // Batches keep one statement's memory small (PGlite runs in a 32-bit heap).
  const BATCH = 100_000;
  for (let lo = 1; lo <= RUNS; lo += BATCH) {
    const hi = Math.min(RUNS, lo + BATCH - 1);
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO scm_commits (tenant_id, integration_id, repo_key, sha, title, author_name, authored_at, committed_at,
           parent_shas, additions, deletions, on_default_branch)
         SELECT $1, $2, 'r' || (k % ${REPOS}), lpad(to_hex(k), 40, '0'), 'change ' || k, 'dev' || (k % 50),
           to_timestamp(($3::float8 + k * $4::float8) / 1000), to_timestamp(($3::float8 + k * $4::float8) / 1000),
           CASE WHEN k > ${REPOS} THEN ARRAY[lpad(to_hex(k - ${REPOS}), 40, '0')] ELSE '{}' END, k % 100, k % 7, true
         FROM generate_series($5::int, $6::int) k`,
        [TENANT, id, START, step, lo, hi],
      );
      await tx.query(
        `INSERT INTO cicd_runs (tenant_id, integration_id, instance_guid, source, run_key, execution_id, pipeline,
           job_full_name, qualified_name, instance_name, result, result_raw, start_time, end_time, duration_ms, ci, cd,
           branch_name)
         SELECT $1, $2, $3::uuid, 'custom', 'run-' || k, 'run-' || k,
           CASE WHEN ${DEPLOY} THEN 'deploy-svc-' || (k % ${REPOS}) ELSE 'build-svc-' || (k % ${REPOS}) END,
           'job', 'job', 'jenkins',
           CASE WHEN ${HASH} % 50 = 7 THEN 'aborted' WHEN ${HASH} % 100 < 8 THEN 'failure' ELSE 'success' END,
           'SUCCESS',
           to_timestamp(($4::float8 + k * $5::float8) / 1000 + 3000),
           to_timestamp(($4::float8 + k * $5::float8) / 1000 + 3600),
           600000, NOT (${DEPLOY}), ${DEPLOY}, 'main'
         FROM generate_series($6::int, $7::int) k`,
        [TENANT, id, GUID, START, step, lo, hi],
      );
      await tx.query(
        `INSERT INTO cicd_run_commits (tenant_id, run_id, commit_sha, ordinal)
         SELECT r.tenant_id, r.id, lpad(to_hex(substring(r.run_key from 5)::int), 40, '0'), 0
         FROM cicd_runs r WHERE r.tenant_id = $1 AND r.id BETWEEN
           (SELECT min(id) FROM cicd_runs WHERE tenant_id = $1 AND run_key = 'run-' || $2::int) AND
           (SELECT min(id) FROM cicd_runs WHERE tenant_id = $1 AND run_key = 'run-' || $3::int)`,
        [TENANT, lo, hi],
      );
      await tx.query(
        `INSERT INTO cicd_run_stages (tenant_id, run_id, ordinal, name, result, duration_ms)
         SELECT r.tenant_id, r.id, s, CASE s WHEN 0 THEN 'build' ELSE 'test' END, r.result, 100000 + s * 200000
         FROM cicd_runs r CROSS JOIN generate_series(0, 1) s
         WHERE r.tenant_id = $1 AND r.id BETWEEN
           (SELECT min(id) FROM cicd_runs WHERE tenant_id = $1 AND run_key = 'run-' || $2::int) AND
           (SELECT min(id) FROM cicd_runs WHERE tenant_id = $1 AND run_key = 'run-' || $3::int)`,
        [TENANT, lo, hi],
      );
    });
    process.stdout.write(`  ${hi} runs and commits\n`);
  }
  await exec('ANALYZE');
  return (performance.now() - started) / 1000;
}

async function openStore(kind: StoreKind, pg: BenchPostgres | undefined): Promise<{ db: Db; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'sei-bench-metrics-'));
    const db = await PgliteDb.open({ dataDir: join(dir, 'pglite') });
    return {
      db,
      close: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = new PgDb(pg!.url, 1);
  await admin.query('DROP DATABASE IF EXISTS sei_bench_metrics');
  await admin.query('CREATE DATABASE sei_bench_metrics');
  await admin.close();
  const db = new PgDb(pg!.url.replace(/\/postgres$/, '/sei_bench_metrics'), 4);
  return {
    db,
    close: async () => {
      await db.close();
      const a = new PgDb(pg!.url, 1);
      await a.query('DROP DATABASE IF EXISTS sei_bench_metrics');
      await a.close();
    },
  };
}

const query = (): MetricQuery => ({
  tenantId: TENANT,
  from: new Date(START),
  to: new Date(END),
  timeZone: 'Europe/Paris',
  interval: 'week',
  filters: {},
  profile: DEFAULT_PROFILE,
});

const MEASURED: [string, (db: Db) => Promise<{ value: unknown; count: unknown }>][] = [
  ['deployment frequency', async (db) => deploymentFrequency(db, query())],
  ['lead time for changes', async (db) => leadTime(db, query())],
  ['change failure rate', async (db) => changeFailureRate(db, query())],
  ['time to restore', async (db) => timeToRestore(db, query())],
  ['lead time, just after a new deployment', async (db) => leadTimeAfterDeployment(db)],
  [
    'CI/CD health',
    async (db) => {
      const h = await cicdHealth(db, { ...query(), groupBy: 'pipeline', filters: {} });
      return { value: h.totals.success_rate, count: h.totals.runs };
    },
  ],
];

let added = 0;
/**
 * Posts one more production deployment (as the webhook would: upsertRuns in a transaction), shipping the
 * newest commit of repository 0, then asks for lead time: the time includes working out what it shipped.
 */
async function leadTimeAfterDeployment(db: Db): Promise<{ value: unknown; count: unknown }> {
  added++;
  const k = RUNS - (RUNS % REPOS);
  const startTime = new Date(END - 3_600_000 + added * 1000);
  const run: DomainRun = {
    instanceGuid: GUID,
    runKey: `extra-${added}-${Date.now()}`,
    executionId: null,
    pipeline: 'deploy-svc-0',
    jobFullName: 'job',
    qualifiedName: 'job',
    instanceName: 'jenkins',
    instanceUrl: null,
    projectName: null,
    userId: null,
    repoUrl: null,
    buildNumber: null,
    branchName: 'main',
    moduleName: null,
    result: 'success',
    resultRaw: 'SUCCESS',
    startTime,
    endTime: new Date(startTime.getTime() + 600),
    durationMs: 600,
    ci: false,
    cd: true,
    cfrStatus: null,
    themes: [],
    webUrl: null,
    triggerChain: [],
    stages: [],
    commits: [{ sha: k.toString(16).padStart(40, '0') }],
    artifacts: [],
    params: [],
  };
  const [integ] = await db.query<{ id: string }>('SELECT id::text AS id FROM integrations WHERE tenant_id = $1', [
    TENANT,
  ]);
  await db.transaction((tx) => upsertRuns(tx, TENANT, [{ integrationId: integ!.id, source: 'custom', run }]));
  return leadTime(db, query());
}

interface Row {
  store: StoreKind;
  metric: string;
  ms: number[];
  value: unknown;
  count: unknown;
}

async function main(): Promise<void> {
  let pg: BenchPostgres | undefined;
  const rows: Row[] = [];
  const generation: Record<string, number> = {};
  const materialize: Record<string, number> = {};
  try {
    if (STORES.includes('postgres')) pg = await startBenchPostgres();
    for (const kind of STORES) {
      const store = await openStore(kind, pg);
      try {
        await migrate(store.db);
        process.stdout.write(`${kind}: generating ${RUNS} runs and commits...\n`);
        generation[kind] = await generate(store.db);
        // The DORA tables, built from nothing (as after a profile change): a one-off cost, timed apart.
        const t0 = performance.now();
        await prepareDora(store.db, TENANT, { changes: true });
        materialize[kind] = (performance.now() - t0) / 1000;
        process.stdout.write(`  ${kind}: DORA tables built in ${materialize[kind].toFixed(1)} s\n`);
        for (const [name, fn] of MEASURED) {
          const ms: number[] = [];
          let last: { value: unknown; count: unknown } = { value: null, count: null };
          for (let i = 0; i <= ROUNDS; i++) {
            const t = performance.now();
            last = await fn(store.db);
            if (i > 0) ms.push(performance.now() - t); // the first round warms caches and plans
          }
          rows.push({ store: kind, metric: name, ms, value: last.value, count: last.count });
          process.stdout.write(
            `  ${kind} ${name}: ${min(ms).toFixed(0)} / ${median(ms).toFixed(0)} / ${max(ms).toFixed(0)} ms ` +
              `(value ${String(last.value)}, count ${String(last.count)})\n`,
          );
        }
      } finally {
        await store.close();
      }
    }
  } finally {
    pg?.stop();
  }
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(
    OUT,
    JSON.stringify(
      { when: new Date().toISOString(), machine: machine(), runs: RUNS, generation, materialize, rows },
      null,
      2,
    ),
  );
  process.stdout.write(`\nmetric over a 90-day window, ${RUNS} runs (ms: min / median / max of ${ROUNDS})\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.store.padEnd(9)} ${r.metric.padEnd(24)} ${min(r.ms).toFixed(0).padStart(7)} ${median(r.ms).toFixed(0).padStart(7)} ${max(r.ms).toFixed(0).padStart(7)}\n`,
    );
  }
  process.stdout.write(
    `generation (s): ${JSON.stringify(generation)}\nDORA tables built (s): ${JSON.stringify(materialize)}\nWrote ${OUT}\n`,
  );
}

if (process.argv[1]?.endsWith('metrics.ts') === true) await main();
