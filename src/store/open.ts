import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db.js';
import { PgDb } from './pg-db.js';
import { PgliteDb } from './pglite-db.js';

export const PGLITE_FOLDER = 'pglite';

/** Opens the configured store: a PostgreSQL server when a URL is given, else PGlite in the data folder. */
export async function openDb(options: { databaseUrl: string | undefined; dataDir: string }): Promise<Db> {
  if (options.databaseUrl !== undefined) {
    const db = new PgDb(options.databaseUrl);
    await db.query('SELECT 1');
    return db;
  }
  const dir = join(options.dataDir, PGLITE_FOLDER);
  mkdirSync(dir, { recursive: true });
  return PgliteDb.open({ dataDir: dir });
}
