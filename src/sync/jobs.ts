import { ConflictError, NotFoundError } from '../core/errors.js';
import type { Queryable } from '../store/db.js';

export type JobMode = 'incremental' | 'full';
export type JobTrigger = 'schedule' | 'manual' | 'cli';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled';

export interface SyncJob {
  tenant_id: string;
  id: string;
  integration_id: string;
  mode: JobMode;
  trigger: JobTrigger;
  status: JobStatus;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  worker: string | null;
  progress: Record<string, unknown>;
  error: { code: string; message: string } | null;
}

export interface StreamResult {
  stream: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  records: number;
  pages: number;
  error: { code: string; message: string } | null;
  started_at: Date;
  finished_at: Date | null;
}

const JOB = `tenant_id, id::text AS id, integration_id::text AS integration_id, mode, trigger, status, requested_at,
  started_at, finished_at, heartbeat_at, worker, progress, error`;
const UNIQUE_VIOLATION = '23505';

/** Queues a sync; answers the already queued or running job instead of a second one. */
export async function enqueueJob(
  db: Queryable,
  tenantId: string,
  integrationId: string,
  mode: JobMode,
  trigger: JobTrigger,
): Promise<{ job: SyncJob; created: boolean }> {
  try {
    const rows = await db.query<SyncJob>(
      `INSERT INTO sync_jobs (tenant_id, integration_id, mode, trigger, status) VALUES ($1, $2, $3, $4, 'queued')
       RETURNING ${JOB}`,
      [tenantId, integrationId, mode, trigger],
    );
    return { job: rows[0]!, created: true };
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    const active = await activeJob(db, tenantId, integrationId);
    if (active === null) throw new ConflictError('A sync was just queued and finished; try again.', 'sync_busy');
    return { job: active, created: false };
  }
}

export async function activeJob(db: Queryable, tenantId: string, integrationId: string): Promise<SyncJob | null> {
  const rows = await db.query<SyncJob>(
    `SELECT ${JOB} FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2 AND status IN ('queued', 'running')`,
    [tenantId, integrationId],
  );
  return rows[0] ?? null;
}

/** Takes the oldest queued job; safe when several processes share one PostgreSQL (SKIP LOCKED). */
export async function claimJob(db: Queryable, worker: string): Promise<SyncJob | null> {
  const rows = await db.query<SyncJob>(
    `UPDATE sync_jobs SET status = 'running', started_at = now(), heartbeat_at = now(), worker = $1
     WHERE (tenant_id, id) = (
       SELECT tenant_id, id FROM sync_jobs WHERE status = 'queued' ORDER BY requested_at, id
       FOR UPDATE SKIP LOCKED LIMIT 1)
     RETURNING ${JOB}`,
    [worker],
  );
  return rows[0] ?? null;
}

/** Claims one particular queued job (the CLI runs the job it just queued). */
export async function claimJobById(
  db: Queryable,
  tenantId: string,
  id: string,
  worker: string,
): Promise<SyncJob | null> {
  const rows = await db.query<SyncJob>(
    `UPDATE sync_jobs SET status = 'running', started_at = now(), heartbeat_at = now(), worker = $3
     WHERE tenant_id = $1 AND id = $2 AND status = 'queued' RETURNING ${JOB}`,
    [tenantId, id, worker],
  );
  return rows[0] ?? null;
}

export async function finishJob(
  db: Queryable,
  job: { tenant_id: string; id: string },
  status: Exclude<JobStatus, 'queued' | 'running'>,
  error: { code: string; message: string } | null,
): Promise<void> {
  await db.query(
    `UPDATE sync_jobs SET status = $3, finished_at = now(), error = $4::jsonb WHERE tenant_id = $1 AND id = $2`,
    [job.tenant_id, job.id, status, error === null ? null : JSON.stringify(error)],
  );
}

/** Puts back jobs whose worker stopped beating (a crash): they resume from their saved cursors. */
export async function requeueStale(db: Queryable, staleAfterMs: number, worker?: string): Promise<number> {
  const rows = await db.query(
    `UPDATE sync_jobs SET status = 'queued', worker = NULL
     WHERE status = 'running' AND (heartbeat_at < now() - ($1::int * interval '1 millisecond') OR worker = $2)
     RETURNING id`,
    [staleAfterMs, worker ?? null],
  );
  return rows.length;
}

export async function getJob(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<SyncJob & { streams: StreamResult[] }> {
  const rows = /^\d{1,18}$/.test(id)
    ? await db.query<SyncJob>(`SELECT ${JOB} FROM sync_jobs WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
    : [];
  const job = rows[0];
  if (job === undefined) throw new NotFoundError(`No sync job "${id}" in this tenant.`, { code: 'job_not_found' });
  return { ...job, streams: await jobStreams(db, tenantId, [job.id]).then((m) => m.get(job.id) ?? []) };
}

export async function jobStreams(
  db: Queryable,
  tenantId: string,
  jobIds: string[],
): Promise<Map<string, StreamResult[]>> {
  const out = new Map<string, StreamResult[]>();
  if (jobIds.length === 0) return out;
  const rows = await db.query<StreamResult & { job_id: string }>(
    `SELECT job_id::text AS job_id, stream, status, records, pages, error, started_at, finished_at
     FROM sync_job_streams WHERE tenant_id = $1 AND job_id = ANY($2::bigint[]) ORDER BY started_at, stream`,
    [tenantId, jobIds],
  );
  for (const { job_id, ...r } of rows) out.set(job_id, [...(out.get(job_id) ?? []), r]);
  return out;
}

/** The latest jobs of an integration, newest first, with their stream results. */
export async function jobHistory(
  db: Queryable,
  tenantId: string,
  integrationId: string,
  limit: number,
): Promise<(SyncJob & { streams: StreamResult[] })[]> {
  const jobs = await db.query<SyncJob>(
    `SELECT ${JOB} FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2 ORDER BY sync_jobs.id DESC LIMIT $3`,
    [tenantId, integrationId, limit],
  );
  const streams = await jobStreams(
    db,
    tenantId,
    jobs.map((j) => j.id),
  );
  return jobs.map((j) => ({ ...j, streams: streams.get(j.id) ?? [] }));
}
