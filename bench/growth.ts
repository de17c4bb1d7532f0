// `npx tsx bench/growth.ts [pglite|postgres] [batches]`: ingestion cost per run as the tables grow, with
// no HTTP in the way (CustomCicdIngest.ingestBulk straight on the store, 1,000 runs per batch). Then
// ANALYZE and two more batches. Shows the PGlite slowdown described in BENCHMARKS.md: its foreign-key
// checks keep the plans made when cicd_runs was empty, and nothing (no autovacuum) ever replans them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CustomCicdIngest } from '../src/ingest/service.js';
import type { Db, Queryable, Row } from '../src/store/db.js';
import { createInstance } from '../src/store/instances.js';
import { migrate } from '../src/store/migrate.js';
import { PgDb } from '../src/store/pg-db.js';
import { PgliteDb } from '../src/store/pglite-db.js';
import { createTenant } from '../src/store/tenants.js';
import { startBenchPostgres } from './postgres.js';
import { RunFactory } from './runs.js';

const BATCH = 1000;

/** Time spent per statement kind (its first words), inside and outside transactions. */
class TimedDb implements Db {
  readonly byStatement = new Map<string, { ms: number; count: number }>();
  constructor(private readonly inner: Db) {}

  get kind(): Db['kind'] {
    return this.inner.kind;
  }

  #timed(q: Queryable): Queryable {
    return {
      query: async <T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> => {
        const t0 = performance.now();
        try {
          return await q.query<T>(sql, params);
        } finally {
          const key = sql.replace(/\s+/g, ' ').trim().split(' (')[0]!.slice(0, 40);
          const e = this.byStatement.get(key) ?? { ms: 0, count: 0 };
          e.ms += performance.now() - t0;
          e.count++;
          this.byStatement.set(key, e);
        }
      },
    };
  }

  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#timed(this.inner).query<T>(sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(this.#timed(tx)));
  }

  execScript(sql: string): Promise<void> {
    return this.inner.execScript(sql);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'pglite';
  const batches = Number(process.argv[3] ?? 8);
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error('usage: bench/growth.ts [pglite|postgres] [batches]');
  const dir = mkdtempSync(join(tmpdir(), 'sei-bench-growth-'));
  const pg = kind === 'postgres' ? await startBenchPostgres() : undefined;
  try {
    const inner: Db = pg !== undefined ? new PgDb(pg.url) : await PgliteDb.open({ dataDir: dir });
    await migrate(inner);
    const db = new TimedDb(inner);
    await createTenant(db, 'bench', 'Bench');
    const [integration] = await db.query<{ id: string }>(
      `INSERT INTO integrations (tenant_id, type, name) VALUES ('bench', 'custom', 'bench-ci') RETURNING id::text AS id`,
    );
    const instance = await createInstance(db, 'bench', {
      integrationId: integration!.id,
      name: 'Jenkins-bench',
      type: 'jenkins',
      url: null,
    });
    const ingest = new CustomCicdIngest(db);
    const factory = new RunFactory(instance.id, 'growth');
    const batch = async (label: string): Promise<void> => {
      db.byStatement.clear();
      const items = Array.from({ length: BATCH }, (_, i) => ({ line: i + 1, text: factory.next() }));
      const t0 = performance.now();
      const out = await ingest.ingestBulk('bench', items);
      const ms = performance.now() - t0;
      if (out.accepted !== BATCH) throw new Error(`only ${out.accepted} of ${BATCH} accepted`);
      const top = [...db.byStatement]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 3)
        .map(([k, v]) => `${k.replace('INSERT INTO ', '')} ${(v.ms / v.count).toFixed(2)} ms`)
        .join(', ');
      process.stdout.write(`${label.padEnd(22)} ${(ms / BATCH).toFixed(2).padStart(6)} ms/run   slowest: ${top}\n`);
    };
    process.stdout.write(`${kind}: ${BATCH} runs per batch, one bulk ingest each\n`);
    for (let b = 1; b <= batches; b++) await batch(`runs ${(b - 1) * BATCH}-${b * BATCH}`);
    const t0 = performance.now();
    await db.query('ANALYZE');
    process.stdout.write(`ANALYZE took ${(performance.now() - t0).toFixed(0)} ms\n`);
    for (let b = batches + 1; b <= batches + 2; b++) await batch(`runs ${(b - 1) * BATCH}-${b * BATCH}`);
    await db.close();
  } finally {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
