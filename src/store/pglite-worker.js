// @ts-check
// Runs PGlite on its own thread: a PGlite query blocks its thread, and the HTTP server must keep answering.
// Plain JavaScript so the same file runs from `src/` (tests, tsx) and from `dist/` (built) without a loader.
// The messages are typed in pglite-protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** @typedef {import('./pglite-protocol.js').WorkerRequest} WorkerRequest */
/** @typedef {import('./pglite-protocol.js').WorkerResponse} WorkerResponse */
/** @typedef {import('./pglite-protocol.js').SerializedDbError} SerializedDbError */

const port = parentPort;
if (port === null) throw new Error('pglite-worker must run in a worker thread');

/** @param {unknown} err @returns {SerializedDbError} */
function serializeError(err) {
  const e = /** @type {Record<string, unknown>} */ (err ?? {});
  /** @type {SerializedDbError} */
  const out = { message: String(e['message'] ?? err) };
  for (const k of /** @type {const} */ (['code', 'detail', 'constraint', 'position'])) {
    const v = e[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** PGlite has one connection: a transaction holds it, other queries wait their turn. */
class Lock {
  /** @type {Promise<void>} */
  tail = Promise.resolve();
  /** @returns {Promise<() => void>} */
  acquire() {
    /** @type {() => void} */
    let release = () => undefined;
    const next = new Promise((r) => (release = () => r(undefined)));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

async function main() {
  const init = /** @type {import('./pglite-protocol.js').WorkerInit} */ (workerData);
  const db = await PGlite.create({
    ...(init.dataDir !== undefined ? { dataDir: init.dataDir } : {}),
    ...(init.loadDataDir !== undefined ? { loadDataDir: new Blob([init.loadDataDir]) } : {}),
  });
  const lock = new Lock();
  // PGlite has no autovacuum, and its one session keeps the plans it made (foreign-key checks among
  // them) while tables grow: a plan made on an empty table stays a sequential scan. Analyzing at open,
  // then whenever the rows written since open have doubled (from 20,000 on), keeps statistics fresh and
  // makes PostgreSQL plan again (measured in BENCHMARKS.md: ingestion cost per run grew 2.5x over 8,000
  // runs without it). Rows, not statements: one set-based statement may write thousands.
  const FIRST_ANALYZE_ROWS = 20_000;
  let written = 0;
  let analyzeAt = FIRST_ANALYZE_ROWS;
  /** @param {number} rows */
  const counted = (rows) => {
    written += Math.max(1, rows);
    if (written < analyzeAt) return;
    analyzeAt = Math.max(FIRST_ANALYZE_ROWS, 2 * written);
    void locked(() => db.exec('ANALYZE')).catch(() => undefined);
  };
  await db.exec('ANALYZE');
  /** @type {Map<number, () => void>} */
  const open = new Map();
  let nextTx = 1;

  /** @param {() => Promise<unknown>} fn */
  const locked = async (fn) => {
    const release = await lock.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  };

  /** @param {WorkerRequest} req @returns {Promise<WorkerResponse>} */
  const handle = async (req) => {
    switch (req.op) {
      case 'query': {
        const run = async () => {
          const res = await db.query(req.sql, /** @type {any[]} */ (req.params));
          counted(res.affectedRows ?? 0);
          return res.rows;
        };
        if (req.tx !== undefined) {
          if (!open.has(req.tx)) throw new Error(`transaction ${req.tx} is not open`);
          return { id: req.id, ok: true, rows: await run() };
        }
        return { id: req.id, ok: true, rows: /** @type {unknown[]} */ (await locked(run)) };
      }
      case 'begin': {
        const release = await lock.acquire();
        try {
          await db.exec('BEGIN');
        } catch (err) {
          release();
          throw err;
        }
        const tx = nextTx++;
        open.set(tx, release);
        return { id: req.id, ok: true, tx };
      }
      case 'commit':
      case 'rollback': {
        const release = open.get(req.tx);
        if (release === undefined) throw new Error(`transaction ${req.tx} is not open`);
        open.delete(req.tx);
        try {
          await db.exec(req.op === 'commit' ? 'COMMIT' : 'ROLLBACK');
        } catch (err) {
          await db.exec('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          release();
        }
        return { id: req.id, ok: true };
      }
      case 'exec':
        await locked(async () => {
          try {
            await db.exec(`BEGIN;\n${req.sql}\nCOMMIT;`);
          } catch (err) {
            await db.exec('ROLLBACK').catch(() => undefined);
            throw err;
          }
        });
        return { id: req.id, ok: true };
      case 'dump': {
        const blob = /** @type {Blob} */ (await locked(() => db.dumpDataDir('none')));
        return { id: req.id, ok: true, dump: new Uint8Array(await blob.arrayBuffer()) };
      }
      case 'close':
        await locked(() => db.close());
        return { id: req.id, ok: true };
    }
  };

  port?.on('message', (/** @type {WorkerRequest} */ req) => {
    handle(req).then(
      (res) => port.postMessage(res),
      (err) => port.postMessage({ id: req.id, ok: false, error: serializeError(err) }),
    );
  });
  port?.postMessage({ id: -1, ready: true });
}

main().catch((err) => {
  port.postMessage({ id: -1, ok: false, error: serializeError(err) });
});
