import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import type { Db } from './db.js';

const LOCK_ID = 7_424_001;
const UNIQUE_VIOLATION = '23505';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered plain-SQL files under `migrations/`, in order. */
export function listMigrations(dir: URL = pathToFileURL(join(packageRoot(), 'migrations') + '/')): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(new URL(file, dir), 'utf8'),
    }));
}

/**
 * Applies pending migrations, each in one transaction with its bookkeeping row. Safe when several
 * processes start at once: an advisory lock serializes them and the bookkeeping row's key stops a
 * second application.
 */
export async function migrate(db: Db, migrations: Migration[] = listMigrations()): Promise<Migration[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: Migration[] = [];
  for (const m of migrations) {
    const done = await db.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
    if (done.length > 0) continue;
    const script = [
      `SELECT pg_advisory_xact_lock(${LOCK_ID});`,
      `INSERT INTO schema_migrations (version, name) VALUES (${m.version}, '${m.name}');`,
      m.sql,
    ].join('\n');
    try {
      await db.execScript(script);
      applied.push(m);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) continue;
      throw new Error(`Migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return applied;
}
