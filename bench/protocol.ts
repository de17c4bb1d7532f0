/** Messages between the bench (parent) and the server under test (child process, bench/server.ts). */

export type StoreKind = 'pglite' | 'postgres';

/** Database work counted in the server process, cumulative since start. */
export interface DbCounters {
  /** Statements sent (outside and inside transactions; BEGIN/COMMIT not counted). */
  statements: number;
  transactions: number;
  /** Sum over transactions of the time from the first statement to the end of COMMIT. */
  txHeldMs: number;
  /** Sum over statements outside transactions (API key check, instance lookup) of their time. */
  outsideTxMs: number;
}

export interface StoreInfo {
  kind: StoreKind;
  version: string;
  settings: Record<string, string>;
  poolSize: number | null;
}

/** `gc`: collect garbage first (the server runs with --expose-gc), so the heap figure is what is retained. */
export type ToServer = { op: 'stats'; id: number; gc?: boolean } | { op: 'stop' };

export type FromServer =
  | { type: 'ready'; url: string; adminKey: string; store: StoreInfo }
  | {
      type: 'stats';
      id: number;
      runs: number;
      rawRecords: number;
      db: DbCounters;
      cpu: NodeJS.CpuUsage;
      memory: NodeJS.MemoryUsage;
    }
  | { type: 'failed'; message: string };
