import { replayIntegration, type ReplayResult } from './replay.js';
import { systemClock, systemSleep } from '../http/time.js';
import type {
  Clock,
  ConnectorContext,
  ConnectorLogEvent,
  OAuthTokenStore,
  ValidationReport,
} from '../connectors/connector.js';
import type { CredentialStore } from '../store/credentials.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { InputError } from '../core/errors.js';
import { check } from '../core/validate.js';
import type { Db } from '../store/db.js';
import type { IntegrationStore } from '../store/integrations.js';
import {
  activeJob,
  enqueueJob,
  getJob,
  jobHistory,
  type JobMode,
  type JobTrigger,
  type SyncJob,
  type StreamResult,
} from './jobs.js';

export interface SyncServiceDeps {
  db: Db;
  connectors: ConnectorRegistry;
  integrations: IntegrationStore;
  /** OAuth tokens of integrations that sign in (GitLab OAuth); without it, such integrations cannot sync. */
  credentials?: CredentialStore;
  clock?: Clock;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (event: ConnectorLogEvent) => void;
  /** How long one upstream attempt may take (default: the HTTP client's, 30 s). */
  requestTimeoutMs?: number;
}

export interface SyncStatus {
  integration_id: string;
  sync_enabled: boolean;
  sync_interval_minutes: number;
  next_sync_at: Date | null;
  active: (SyncJob & { streams: StreamResult[] }) | null;
  last_success: SyncJob | null;
  history: (SyncJob & { streams: StreamResult[] })[];
}

const VALIDATE_TIMEOUT_MS = 60_000;

/** Validate Connection, sync requests and sync status, over the connectors of this build. */
export class SyncService {
  readonly clock: Clock;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly log: (event: ConnectorLogEvent) => void;
  readonly requestTimeoutMs: number | undefined;

  constructor(private readonly deps: SyncServiceDeps) {
    this.clock = deps.clock ?? systemClock();
    this.sleep = deps.sleep ?? systemSleep();
    this.log = deps.log ?? (() => undefined);
    this.requestTimeoutMs = deps.requestTimeoutMs;
  }

  connectorFor(type: string) {
    const connector = this.deps.connectors.get(type);
    if (connector === undefined) {
      throw new InputError(
        'not_syncable',
        `Integrations of type "${type}" are not synced: they receive data by webhook.`,
        {
          field: 'type',
        },
      );
    }
    return connector;
  }

  context<S>(settings: S, signal: AbortSignal, oauth?: OAuthTokenStore): ConnectorContext<S> {
    const timeout = this.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.requestTimeoutMs };
    return {
      settings,
      clock: this.clock,
      sleep: this.sleep,
      signal,
      log: this.log,
      ...timeout,
      ...(oauth ? { oauth } : {}),
    };
  }

  /** Where a saved integration's OAuth tokens live, when it signs in with OAuth. */
  tokenStoreFor(tenantId: string, id: string, type: string, settings: unknown): OAuthTokenStore | undefined {
    const connector = this.deps.connectors.get(type);
    if (connector?.oauth === undefined || !connector.oauth.uses(settings as never)) return undefined;
    return this.deps.credentials?.tokenStore(this.deps.db, tenantId, id);
  }

  /** Validate Connection before saving: the settings are checked, never stored. */
  async validateSettings(type: string, settings: Record<string, unknown>): Promise<ValidationReport> {
    const connector = this.connectorFor(type);
    const valid = check<Record<string, unknown>>(connector.spec.settings, settings, 'settings');
    return connector.validate(this.context(valid as never, AbortSignal.timeout(VALIDATE_TIMEOUT_MS)));
  }

  /** Validate Connection of a saved integration, optionally with changed settings. */
  async validateIntegration(
    tenantId: string,
    id: string,
    overrides: Record<string, unknown> = {},
  ): Promise<ValidationReport> {
    const integration = await this.deps.integrations.get(this.deps.db, tenantId, id);
    const settings = { ...(await this.deps.integrations.settingsOf(this.deps.db, tenantId, id)), ...overrides };
    const connector = this.connectorFor(integration.type);
    const valid = check<Record<string, unknown>>(connector.spec.settings, settings, 'settings');
    const oauth = this.tokenStoreFor(tenantId, integration.id, integration.type, valid);
    return connector.validate(this.context(valid as never, AbortSignal.timeout(VALIDATE_TIMEOUT_MS), oauth));
  }

  async requestSync(
    tenantId: string,
    id: string,
    mode: JobMode,
    trigger: JobTrigger,
  ): Promise<{ job: SyncJob; created: boolean }> {
    const integration = await this.deps.integrations.get(this.deps.db, tenantId, id);
    this.connectorFor(integration.type);
    return enqueueJob(this.deps.db, tenantId, integration.id, mode, trigger);
  }

  /** Rebuilds the integration's domain rows from its raw records (`sei replay`). */
  async replay(tenantId: string, id: string): Promise<ReplayResult> {
    const integration = await this.deps.integrations.get(this.deps.db, tenantId, id);
    return replayIntegration(this.deps.db, this.connectorFor(integration.type), {
      tenantId,
      integration: { id: integration.id, name: integration.name, settings: integration.settings },
      jobId: null,
    });
  }

  async status(tenantId: string, id: string, historyLimit = 10): Promise<SyncStatus> {
    const integration = await this.deps.integrations.get(this.deps.db, tenantId, id);
    const db = this.deps.db;
    const [rows, active, history, success] = await Promise.all([
      db.query<{ sync_enabled: boolean; sync_interval_minutes: number; next_sync_at: Date | null }>(
        'SELECT sync_enabled, sync_interval_minutes, next_sync_at FROM integrations WHERE tenant_id = $1 AND id = $2',
        [tenantId, integration.id],
      ),
      activeJob(db, tenantId, integration.id),
      jobHistory(db, tenantId, integration.id, historyLimit),
      db.query<{ id: string }>(
        `SELECT id::text AS id FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2 AND status = 'succeeded'
         ORDER BY sync_jobs.id DESC LIMIT 1`,
        [tenantId, integration.id],
      ),
    ]);
    const row = rows[0]!;
    return {
      integration_id: integration.id,
      ...row,
      active: active === null ? null : await getJob(db, tenantId, active.id),
      last_success: success[0] === undefined ? null : await getJob(db, tenantId, success[0].id),
      history,
    };
  }
}
