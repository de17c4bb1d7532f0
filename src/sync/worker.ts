import { hostname } from 'node:os';
import type { ConnectorLogEvent } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Db } from '../store/db.js';
import type { IntegrationStore } from '../store/integrations.js';
import { claimJob, claimJobById, enqueueJob, finishJob, requeueStale, type SyncJob } from './jobs.js';
import { describeError, runJob } from './run-job.js';
import { prepareDora } from '../metrics/materialize.js';
import type { SyncService } from './service.js';

export interface WorkerOptions {
  db: Db;
  connectors: ConnectorRegistry;
  integrations: IntegrationStore;
  service: SyncService;
  /** How often to look for due integrations and queued jobs. */
  pollMs?: number;
  /** A running job whose heartbeat is older than this is taken back (its worker died). */
  staleAfterMs?: number;
  log?: (event: ConnectorLogEvent) => void;
}

/** Runs queued sync jobs and queues the scheduled ones; one job at a time per process. */
export class SyncWorker {
  readonly id = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(private readonly o: WorkerOptions) {}

  #wanted = false;
  #started = false;

  start(): void {
    this.#started = true;
    this.#loop();
  }

  #loop(): void {
    this.#timer = undefined;
    this.#wanted = false;
    this.#running = this.tick()
      .catch((err: unknown) => this.o.log?.({ level: 'error', msg: 'sync worker tick failed', err: String(err) }))
      .finally(() => {
        this.#running = undefined;
        if (this.#abort.signal.aborted) return;
        if (this.#wanted) this.#loop();
        else this.#timer = setTimeout(() => this.#loop(), this.o.pollMs ?? 5000);
      });
  }

  /** Looks for work now (a sync was just requested) instead of at the next poll; nothing before `start`. */
  wake(): void {
    if (!this.#started || this.#abort.signal.aborted) return;
    if (this.#running !== undefined) {
      this.#wanted = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#loop();
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('the server is stopping'));
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Queues integrations that are due, then runs queued jobs until none is left. */
  async tick(): Promise<void> {
    await requeueStale(this.o.db, this.o.staleAfterMs ?? 10 * 60_000);
    await this.enqueueDue();
    while (!this.#abort.signal.aborted && (await this.runNext()) !== null);
  }

  async enqueueDue(): Promise<void> {
    const types = [...this.o.connectors.keys()];
    if (types.length === 0) return;
    const due = await this.o.db.query<{ tenant_id: string; id: string }>(
      `SELECT tenant_id, id::text AS id FROM integrations
       WHERE type = ANY($1::text[]) AND sync_enabled AND (next_sync_at IS NULL OR next_sync_at <= now())`,
      [types],
    );
    for (const i of due) await enqueueJob(this.o.db, i.tenant_id, i.id, 'incremental', 'schedule');
  }

  /** Claims and runs one queued job; null when none was queued. */
  async runNext(): Promise<SyncJob['status'] | null> {
    const job = await claimJob(this.o.db, this.id);
    return job === null ? null : this.run(job);
  }

  /** Runs one queued job now (`sei sync`); null when it is not queued any more. */
  async runQueued(tenantId: string, jobId: string): Promise<SyncJob['status'] | null> {
    const job = await claimJobById(this.o.db, tenantId, jobId, this.id);
    return job === null ? null : this.run(job);
  }

  async run(job: SyncJob): Promise<SyncJob['status']> {
    const { db, integrations, service } = this.o;
    let status: SyncJob['status'];
    try {
      const integration = await integrations.get(db, job.tenant_id, job.integration_id);
      const settings = await integrations.settingsOf(db, job.tenant_id, job.integration_id);
      status = await runJob(job, {
        db,
        connector: service.connectorFor(integration.type),
        settings,
        target: {
          tenantId: job.tenant_id,
          integration: { id: integration.id, name: integration.name, settings: integration.settings },
          jobId: job.id,
        },
        clock: service.clock,
        sleep: service.sleep,
        signal: this.#abort.signal,
        log: service.log,
        oauth: service.tokenStoreFor(job.tenant_id, integration.id, integration.type, settings),
        ...(service.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: service.requestTimeoutMs }),
      });
    } catch (err) {
      // It failed before its streams ran (settings unreadable, type gone): finish it, or it blocks every later sync.
      const error = describeError(err);
      service.log({ level: 'error', msg: 'sync job could not start', job: job.id, code: error.code });
      await finishJob(db, job, 'failed', error);
      status = 'failed';
    } finally {
      await db.query(
        `UPDATE integrations SET next_sync_at = now() + sync_interval_minutes * interval '1 minute'
         WHERE tenant_id = $1 AND id = $2`,
        [job.tenant_id, job.integration_id],
      );
    }
    // Work out what the new deployments shipped now, rather than in the next lead time query.
    try {
      await prepareDora(db, job.tenant_id, { changes: true });
    } catch (err) {
      service.log({ level: 'error', msg: 'DORA tables not refreshed after sync', job: job.id, error: String(err) });
    }
    return status;
  }
}
