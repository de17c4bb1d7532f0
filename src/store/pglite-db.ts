import { Worker } from 'node:worker_threads';
import type { Db, Queryable, Row } from './db.js';
import type { SerializedDbError, WorkerInit, WorkerRequest, WorkerResponse } from './pglite-protocol.js';

/** A database error as thrown by PGlite, carried across the thread boundary with its SQLSTATE code. */
export class DbError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  constructor(e: SerializedDbError) {
    super(e.message);
    this.name = 'DbError';
    this.code = e.code;
    this.detail = e.detail;
    this.constraint = e.constraint;
  }
}

type Ok = { id: number; ok: true; rows?: unknown[]; tx?: number; dump?: Uint8Array };
type Pending = { resolve: (res: Ok) => void; reject: (err: Error) => void };
type Outgoing = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

function spawnWorker(init: WorkerInit): Worker {
  // The worker is plain JavaScript, so this path is the same under src/ (tests) and dist/ (built).
  return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: init });
}

/** PGlite (embedded PostgreSQL) running on a worker thread, so long queries never freeze the server. */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (res: WorkerResponse) => {
      const p = this.#pending.get(res.id);
      if (p === undefined) return;
      this.#pending.delete(res.id);
      if ('ok' in res && res.ok) p.resolve(res as Ok);
      else if ('error' in res) p.reject(new DbError(res.error));
    });
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', () => this.#failAll(new Error('The database worker stopped.')));
  }

  /** Opens a data folder (created when missing), or an in-memory copy of a dumped data folder. */
  static async open(init: WorkerInit): Promise<PgliteDb> {
    const worker = spawnWorker(init);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (msg: WorkerResponse): void => {
        if (msg.id !== -1) return;
        worker.off('message', onMessage);
        if ('ready' in msg) resolve();
        else if ('error' in msg) reject(new DbError(msg.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new PgliteDb(worker);
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #call(req: Outgoing): Promise<Ok> {
    if (this.#closed) return Promise.reject(new Error('The database is closed.'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...req, id });
    });
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return ((await this.#call({ op: 'query', sql, params })).rows ?? []) as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { tx } = await this.#call({ op: 'begin' });
    if (tx === undefined) throw new Error('The database worker did not open a transaction.');
    const q: Queryable = {
      query: async <R = Row>(sql: string, params: readonly unknown[] = []) =>
        ((await this.#call({ op: 'query', sql, params, tx })).rows ?? []) as R[],
    };
    let out: T;
    try {
      out = await fn(q);
    } catch (err) {
      await this.#call({ op: 'rollback', tx }).catch(() => undefined);
      throw err;
    }
    await this.#call({ op: 'commit', tx });
    return out;
  }

  async execScript(sql: string): Promise<void> {
    await this.#call({ op: 'exec', sql });
  }

  /** A tarball of the data folder, to start test databases from a migrated template. */
  async dump(): Promise<Uint8Array> {
    const { dump } = await this.#call({ op: 'dump' });
    if (dump === undefined) throw new Error('The database worker returned no dump.');
    return dump;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#call({ op: 'close' }).catch(() => undefined);
    this.#closed = true;
    await this.#worker.terminate();
  }
}
