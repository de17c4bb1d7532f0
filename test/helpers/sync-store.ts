// The sync pieces composed over a store, as `sei serve` composes them, without the HTTP server: for the
// sync job tests and for the crash test's child process (so nothing here imports vitest).
import type { Clock, Connector } from '../../src/connectors/connector.js';
import { harnessConnector } from '../../src/connectors/harness/connector.js';
import { connectorRegistry, type ConnectorRegistry } from '../../src/connectors/registry.js';
import { SecretBox } from '../../src/core/crypto.js';
import { defaultRegistry } from '../../src/integrations/registry.js';
import type { Db } from '../../src/store/db.js';
import { IntegrationStore } from '../../src/store/integrations.js';
import { createTenant } from '../../src/store/tenants.js';
import { SyncService } from '../../src/sync/service.js';
import { SyncWorker } from '../../src/sync/worker.js';

/** The secret key of every test store: a child process must decrypt what the parent sealed. */
export const SYNC_TEST_KEY = Buffer.alloc(32, 7);
export const TENANT = 'acme';

export interface SyncParts {
  db: Db;
  connectors: ConnectorRegistry;
  integrations: IntegrationStore;
  service: SyncService;
  worker: SyncWorker;
}

export interface TimeParts {
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Virtual milliseconds slept so far (backoff, Retry-After, rate budget): deterministic, no real time. */
  slept(): number;
}

/** A clock at `base()` plus the time slept; sleeping returns at once, so backoff costs no real time. */
export function virtualClock(base: () => number): TimeParts {
  let slept = 0;
  return {
    clock: { now: () => base() + slept },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept += Math.max(0, ms);
    },
    slept: () => slept,
  };
}

/** IntegrationStore, SyncService and SyncWorker over `db`, with the Harness NG connector. */
export function syncParts(
  db: Db,
  time: TimeParts,
  options: { staleAfterMs?: number; secretKey?: Buffer } = {},
): SyncParts {
  const connectors = connectorRegistry([harnessConnector as Connector<never>]);
  const integrations = new IntegrationStore(
    defaultRegistry([...connectors.values()].map((c) => c.spec)),
    new SecretBox(options.secretKey ?? SYNC_TEST_KEY),
  );
  const service = new SyncService({ db, connectors, integrations, clock: time.clock, sleep: time.sleep });
  const worker = new SyncWorker({
    db,
    connectors,
    integrations,
    service,
    ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
  });
  return { db, connectors, integrations, service, worker };
}

export interface FakeHarnessRef {
  url: string;
  token: string;
  accountId: string;
}

/** Makes the tenant when missing. */
export async function ensureTenant(db: Db, tenantId = TENANT): Promise<void> {
  const rows = await db.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [tenantId]);
  if (rows.length === 0) await createTenant(db, tenantId, tenantId);
}

/** Installs a Harness NG integration against a fake; answers its id. */
export async function installHarness(
  parts: Pick<SyncParts, 'db' | 'integrations'>,
  fake: FakeHarnessRef,
  input: { name?: string; sync_enabled?: boolean; sync_interval_minutes?: number; history_days?: number } = {},
  tenantId = TENANT,
): Promise<string> {
  await ensureTenant(parts.db, tenantId);
  const created = await parts.integrations.create(parts.db, tenantId, {
    type: 'harnessng',
    name: input.name ?? `Harness ${Math.random().toString(36).slice(2, 8)}`,
    settings: {
      url: fake.url,
      api_key: fake.token,
      account_id: fake.accountId,
      history_days: input.history_days ?? 30,
    },
    ...(input.sync_enabled === undefined ? {} : { sync_enabled: input.sync_enabled }),
    ...(input.sync_interval_minutes === undefined ? {} : { sync_interval_minutes: input.sync_interval_minutes }),
  });
  return created.id;
}
