/** Messages between the main thread and the PGlite worker thread. */
export type WorkerRequest =
  | { id: number; op: 'query'; sql: string; params: readonly unknown[]; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

export interface WorkerInit {
  dataDir?: string;
  loadDataDir?: Uint8Array;
}

export interface SerializedDbError {
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
  position?: string;
}

export type WorkerResponse =
  | { id: number; ok: true; rows?: unknown[]; tx?: number; dump?: Uint8Array }
  | { id: number; ok: false; error: SerializedDbError }
  | { id: -1; ready: true }
  | { id: -1; ok: false; error: SerializedDbError };
