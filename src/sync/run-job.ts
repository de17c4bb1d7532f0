import type { Clock, Connector, ConnectorLogEvent, OAuthTokenStore } from '../connectors/connector.js';
import type { Db } from '../store/db.js';
import { dbSink, loadCursors, type SinkTarget } from './db-sink.js';
import { finishJob, type SyncJob } from './jobs.js';

export interface JobDeps {
  db: Db;
  connector: Connector<never>;
  /** Settings with secrets in clear. */
  settings: Record<string, unknown>;
  target: SinkTarget & { jobId: string };
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  log: (event: ConnectorLogEvent) => void;
  /** OAuth integrations: their tokens. */
  oauth?: OAuthTokenStore;
  /** How long one upstream attempt may take (default: the HTTP client's). */
  requestTimeoutMs?: number;
}

// Upstream answers that mean no stream can succeed: stop them all with a clear status.
const FATAL_CODES = new Set(['upstream_unauthorized', 'upstream_forbidden']);

/** A stable code and a sentence for a job or stream failure. */
export function describeError(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' && !/^\d/.test(e.code) ? e.code : 'sync_failed',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

/**
 * Asks the connector for the next page while the current one is being stored, so the upstream's latency
 * and the database's work overlap. The cursor still travels with its own page: nothing changes for resume.
 */
async function* prefetched<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done === true) return;
      next = source.next();
      // A failed prefetch must not be reported as unhandled while the current page is stored.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    // Stop the connector if storing failed or the consumer left early; its pending request settles first.
    await next.then(
      () => source.return(undefined),
      () => undefined,
    );
  }
}

/**
 * Runs every stream of a claimed job in order. A stream's failure is recorded and the next stream
 * still runs, unless the upstream refused the credentials; nothing throws halfway.
 */
export async function runJob(job: SyncJob, deps: JobDeps): Promise<SyncJob['status']> {
  const { db, connector, target } = deps;
  const sink = dbSink(db, connector, target);
  const ctx = {
    settings: deps.settings as never,
    clock: deps.clock,
    sleep: deps.sleep,
    signal: deps.signal,
    log: deps.log,
    memo: new Map<string, unknown>(),
    ...(deps.oauth === undefined ? {} : { oauth: deps.oauth }),
    ...(deps.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: deps.requestTimeoutMs }),
  };
  let failed = 0;
  let fatal: { code: string; message: string } | null = null;
  for (const stream of connector.streams) {
    await db.query(
      `INSERT INTO sync_job_streams (tenant_id, job_id, stream, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, job_id, stream) DO UPDATE SET status = EXCLUDED.status, error = NULL, finished_at = NULL`,
      [target.tenantId, job.id, stream.name, fatal === null ? 'running' : 'skipped'],
    );
    if (fatal !== null) continue;
    let error: { code: string; message: string } | null = null;
    try {
      const cursors =
        job.mode === 'full'
          ? new Map<string, unknown>()
          : await loadCursors(db, target.tenantId, target.integration.id, stream.name);
      const pages = connector.collect(ctx, { stream: stream.name, cursors, full: job.mode === 'full' });
      for await (const page of prefetched(pages)) await sink.write(page);
    } catch (err) {
      error = describeError(err);
      failed++;
      if (FATAL_CODES.has(error.code) || deps.signal.aborted) fatal = error;
      deps.log({ level: 'warn', msg: 'stream failed', stream: stream.name, code: error.code });
    }
    await db.query(
      `UPDATE sync_job_streams SET status = $4, error = $5::jsonb, finished_at = now()
       WHERE tenant_id = $1 AND job_id = $2 AND stream = $3`,
      [
        target.tenantId,
        job.id,
        stream.name,
        error === null ? 'succeeded' : 'failed',
        error === null ? null : JSON.stringify(error),
      ],
    );
  }
  const status: SyncJob['status'] = deps.signal.aborted
    ? 'canceled'
    : failed === 0
      ? 'succeeded'
      : failed === connector.streams.length || fatal !== null
        ? 'failed'
        : 'partial';
  await finishJob(
    db,
    job,
    status,
    fatal ?? (failed > 0 ? { code: 'streams_failed', message: `${failed} stream(s) failed.` } : null),
  );
  return status;
}
