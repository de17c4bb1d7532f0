import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/store/migrate.js';
import { PgDb } from '../../src/store/pg-db.js';
import { PgliteDb } from '../../src/store/pglite-db.js';
import { ensureChromium } from './chromium.js';
import { startPostgres } from './postgres-server.js';

export const PG_TEMPLATE = 'sei_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgliteTemplate: string;
  }
}

/** One PostgreSQL server and one migrated PGlite dump for the whole run; each test copies a template. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The browser tests (test/e2e) drive Debian's Chromium.
  ensureChromium();
  const pg = await startPostgres();
  const tmp = mkdtempSync(join(tmpdir(), 'sei-test-'));
  try {
    const admin = new PgDb(pg.url, 1);
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE}`);
    await admin.close();
    const template = new PgDb(pg.url.replace(/\/postgres$/, `/${PG_TEMPLATE}`), 1);
    await migrate(template);
    await template.close();

    const lite = await PgliteDb.open({});
    await migrate(lite);
    const dumpPath = join(tmp, 'pglite-template.tar');
    writeFileSync(dumpPath, await lite.dump());
    await lite.close();

    project.provide('pgUrl', pg.url);
    project.provide('pgliteTemplate', dumpPath);
  } catch (err) {
    pg.stop();
    throw err;
  }
  return async () => {
    pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
}
