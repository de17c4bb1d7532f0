// A separate process that runs the queued sync job of a store, for the crash tests: the parent kills it
// with SIGKILL part-way and starts it again. Run with `node --import tsx test/helpers/sync-child.ts`.
//
// Environment:
//   SYNC_CHILD_DATABASE_URL  a PostgreSQL database, or
//   SYNC_CHILD_PGLITE_DIR    a PGlite data folder (only one process may have it open)
//   SYNC_CHILD_NOW           the fake Harness's clock (epoch ms): our clock is that plus the time slept,
//                            and sleeping costs no real time, as `virtualTime` does in the tests
//   SYNC_CHILD_REQUEUE=1     first take back jobs left running (requeueStale with 0 ms), as `sei serve`
//                            does on start with PGlite: a data folder has one process, so they are dead
//
// Standard output, one line each, written with writeSync so the parent sees a line as
// soon as what it reports has happened:
//   ready <worker id>        the store is open
//   requeued <n>             with SYNC_CHILD_REQUEUE=1: how many running jobs were put back
//   begin <n>                the n-th transaction of this process (a page, its rows and its cursor) starts
//   committed <n>            ... and has committed
//   done <status>            runNext() answered (a job status, or "none" when nothing was queued)
import { writeSync } from 'node:fs';
import type { Db } from '../../src/store/db.js';
import { PgDb } from '../../src/store/pg-db.js';
import { PgliteDb } from '../../src/store/pglite-db.js';
import { requeueStale } from '../../src/sync/jobs.js';
import { syncParts, virtualClock } from './sync-store.js';

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

/** Reports each transaction on stdout as it starts and once committed; everything else goes straight through. */
function reporting(db: Db): Db {
  let started = 0;
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    execScript: (sql) => db.execScript(sql),
    close: () => db.close(),
    async transaction(fn) {
      const n = ++started;
      say(`begin ${n}`);
      const out = await db.transaction(fn);
      say(`committed ${n}`);
      return out;
    },
  };
}

async function openStore(): Promise<Db> {
  const url = process.env['SYNC_CHILD_DATABASE_URL'];
  const dir = process.env['SYNC_CHILD_PGLITE_DIR'];
  if (url !== undefined && url !== '') return new PgDb(url, 4);
  if (dir !== undefined && dir !== '') return PgliteDb.open({ dataDir: dir });
  throw new Error('set SYNC_CHILD_DATABASE_URL or SYNC_CHILD_PGLITE_DIR');
}

async function main(): Promise<void> {
  const base = Number(process.env['SYNC_CHILD_NOW']);
  if (!Number.isFinite(base)) throw new Error('set SYNC_CHILD_NOW to the fake clock (epoch ms)');
  const store = await openStore();
  const { worker } = syncParts(
    reporting(store),
    virtualClock(() => base),
  );
  say(`ready ${worker.id}`);
  if (process.env['SYNC_CHILD_REQUEUE'] === '1') say(`requeued ${await requeueStale(store, 0)}`);
  const status = await worker.runNext();
  await store.close();
  say(`done ${status ?? 'none'}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sync-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
