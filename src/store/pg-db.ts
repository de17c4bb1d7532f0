import pg from 'pg';
import type { Db, Queryable, Row } from './db.js';

const INT8 = 20;
const NUMERIC = 1700;

/** Parsers that make `pg` answer with the same JS types as PGlite (int8 as number, numeric as text). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === NUMERIC) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** A PostgreSQL server through a `pg` pool. */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(connectionString: string, poolSize = 10) {
    // JIT compilation costs 0.1-2 s on the big metric and materializing statements and never paid back
    // here (measured: bench/metrics.ts), so it is off for our sessions.
    this.#pool = new pg.Pool({ connectionString, max: poolSize, types, options: '-c jit=off' });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.#pool.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R = Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
      };
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async execScript(sql: string): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query(`BEGIN;\n${sql}\nCOMMIT;`);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
