import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.js';
import { listMigrations, migrate } from '../src/store/migrate.js';
import { freshDb, STORES } from './helpers/db.js';

describe.each(STORES)('store on %s', (kind) => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb(kind);
  });
  afterAll(async () => db.close());

  it('has every migration applied, and migrate is a no-op the second time', async () => {
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
  });

  it('answers the same JS types on both stores', async () => {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT 12::int8 AS big, 1.5::numeric AS num, now() AS ts, '{"a":1}'::jsonb AS j, ARRAY['x','y'] AS arr`,
    );
    expect(row).toMatchObject({ big: 12, num: '1.5', j: { a: 1 }, arr: ['x', 'y'] });
    expect(row!['ts']).toBeInstanceOf(Date);
  });

  it('rolls a failed transaction back entirely', async () => {
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('tx-a', 'a')`);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (tenant_id, name) VALUES ('tx-b', 'b')`);
        await tx.query(`INSERT INTO tenants (tenant_id, name) VALUES ('tx-a', 'dup')`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const rows = await db.query(`SELECT tenant_id FROM tenants WHERE tenant_id LIKE 'tx-%' ORDER BY 1`);
    expect(rows).toEqual([{ tenant_id: 'tx-a' }]);
  });

  it('keeps concurrent transactions apart', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'c')`, [`conc-${i}`]);
          await tx.query(`UPDATE tenants SET name = 'done' WHERE tenant_id = $1`, [`conc-${i}`]);
        }),
      ),
    );
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tenants WHERE tenant_id LIKE 'conc-%' AND name = 'done'`,
    );
    expect(rows[0]!.n).toBe(20);
  });
});
