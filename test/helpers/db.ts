import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { PgDb } from '../../src/store/pg-db.js';
import { PgliteDb } from '../../src/store/pglite-db.js';

/** Every store-touching test runs against both stores. */
export const STORES = ['pglite', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

let pgliteTemplate: Uint8Array | undefined;

/** A fresh, migrated database: a copy of the template made once by the global setup. */
export async function freshDb(kind: StoreKind): Promise<Db> {
  if (kind === 'pglite') {
    pgliteTemplate ??= new Uint8Array(readFileSync(inject('pgliteTemplate')));
    return PgliteDb.open({ loadDataDir: pgliteTemplate });
  }
  const base = inject('pgUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgDb(base, 1);
  await admin.query(`CREATE DATABASE ${name} TEMPLATE sei_template`);
  await admin.close();
  const db = new PgDb(base.replace(/\/postgres$/, `/${name}`), 20);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      const a = new PgDb(base, 1);
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.close();
    },
  });
}
