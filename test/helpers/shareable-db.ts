// Fresh migrated stores that another process can open too: a PostgreSQL database known by its URL, and
// a PGlite data folder on disk (freshDb's stores are a pool or an in-memory copy only this process sees).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { PgDb } from '../../src/store/pg-db.js';
import { PgliteDb } from '../../src/store/pglite-db.js';

export interface PgDatabase {
  /** A connection URL other pools and other processes can open. */
  url: string;
  /** Opens one more pool on it (what another process would have). */
  open(poolSize?: number): PgDb;
  /** Drops the database, ending whatever is still connected to it. */
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database copied from the template, known by its URL. */
export async function freshPgDatabase(): Promise<PgDatabase> {
  const base = inject('pgUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgDb(base, 1);
  await admin.query(`CREATE DATABASE ${name} TEMPLATE sei_template`);
  await admin.close();
  const url = base.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    open: (poolSize = 10) => new PgDb(url, poolSize),
    drop: async () => {
      const a = new PgDb(base, 1);
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.close();
    },
  };
}

export interface PgliteFolder {
  dir: string;
  /** The first handle, open: close it before another process opens the folder. */
  db: PgliteDb;
  /** Opens the folder; PGlite allows one open handle (one process) per folder at a time. */
  open(): Promise<PgliteDb>;
  remove(): void;
}

/** A fresh, migrated PGlite data folder in a temp directory, unpacked from the suite's template dump. */
export async function freshPgliteFolder(): Promise<PgliteFolder> {
  const dir = mkdtempSync(join(tmpdir(), 'sei-pglite-folder-'));
  const db = await PgliteDb.open({ dataDir: dir, loadDataDir: new Uint8Array(readFileSync(inject('pgliteTemplate'))) });
  return {
    dir,
    db,
    open: () => PgliteDb.open({ dataDir: dir }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
