// The server under test, in its own process (forked by bench/run.ts with `--import tsx`): the same
// store opening, migrations and buildApp as `sei serve`, request logging off. It counts the database
// work it does and answers the bench over the IPC channel.
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/core/config.js';
import { SecretBox } from '../src/core/crypto.js';
import { defaultRegistry } from '../src/integrations/registry.js';
import { buildApp } from '../src/server/app.js';
import { createApiKey } from '../src/store/api-keys.js';
import type { Db, Queryable, Row } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openDb } from '../src/store/open.js';
import { createTenant } from '../src/store/tenants.js';
import type { DbCounters, FromServer, StoreInfo, ToServer } from './protocol.js';

/** The production store behind a thin wrapper that counts statements and transaction time. */
export class CountingDb implements Db {
  readonly counters: DbCounters = { statements: 0, transactions: 0, txHeldMs: 0, outsideTxMs: 0 };
  readonly #inner: Db;

  constructor(inner: Db) {
    this.#inner = inner;
  }

  get kind(): Db['kind'] {
    return this.#inner.kind;
  }

  async query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    this.counters.statements++;
    const t0 = performance.now();
    try {
      return await this.#inner.query<T>(sql, params);
    } finally {
      this.counters.outsideTxMs += performance.now() - t0;
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.counters.transactions++;
    // Started once BEGIN is answered (PGlite: once the single connection is ours), so queueing is not counted.
    let t0: number | undefined;
    try {
      return await this.#inner.transaction((tx) => {
        t0 = performance.now();
        return fn({
          query: <R = Row>(sql: string, params?: readonly unknown[]) => {
            this.counters.statements++;
            return tx.query<R>(sql, params);
          },
        });
      });
    } finally {
      if (t0 !== undefined) this.counters.txHeldMs += performance.now() - t0;
    }
  }

  execScript(sql: string): Promise<void> {
    return this.#inner.execScript(sql);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

const SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers'];

async function storeInfo(db: Db): Promise<StoreInfo> {
  const [v] = await db.query<{ version: string }>('SELECT version()');
  const settings: Record<string, string> = {};
  for (const name of SETTINGS) {
    const rows = await db.query<Record<string, string>>(`SHOW ${name}`).catch(() => []);
    const value = rows[0]?.[name];
    if (value !== undefined) settings[name] = value;
  }
  return { kind: db.kind, version: v?.version ?? '?', settings, poolSize: db.kind === 'postgres' ? 10 : null };
}

function send(msg: FromServer): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const databaseUrl = process.env['BENCH_DATABASE_URL'];
  const dataDir = process.env['BENCH_DATA_DIR'];
  if (dataDir === undefined) throw new Error('BENCH_DATA_DIR is not set');
  const config = loadConfig({
    SEI_DATA_DIR: dataDir,
    SEI_LOG_LEVEL: 'silent',
    // The bench posts as fast as the server takes, with one key: the per-key limit would be what it measures.
    SEI_RATE_LIMIT: '0',
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  });
  // As `sei serve`: a `pg` pool of 10 for DATABASE_URL, else PGlite in <data>/pglite (on disk).
  const raw = await openDb(config);
  await migrate(raw);
  const db = new CountingDb(raw);
  // A restart over the same store keeps its tenant; each start makes a new admin key for the bench.
  const known = await raw.query("SELECT 1 FROM tenants WHERE tenant_id = 'bench'");
  if (known.length === 0) await createTenant(raw, 'bench', 'Bench');
  const { key: adminKey } = await createApiKey(raw, 'bench', 'admin', 'bench admin');
  const app = await buildApp({ db, config, registry: defaultRegistry(), box: new SecretBox(Buffer.alloc(32, 7)) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;

  // The bench went away (Ctrl-C, crash): do not linger.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: ToServer) => {
    if (msg.op === 'stop') {
      void app
        .close()
        .then(() => db.close())
        .finally(() => process.exit(0));
      return;
    }
    void (async () => {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (msg.gc === true && collect !== undefined) collect();
      const [runs] = await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM cicd_runs');
      const [rawRecords] = await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_records');
      send({
        type: 'stats',
        id: msg.id,
        runs: runs?.n ?? -1,
        rawRecords: rawRecords?.n ?? -1,
        db: { ...db.counters },
        cpu: process.cpuUsage(),
        memory: process.memoryUsage(),
      });
    })();
  });
  send({ type: 'ready', url: `http://127.0.0.1:${port}`, adminKey, store: await storeInfo(raw) });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
