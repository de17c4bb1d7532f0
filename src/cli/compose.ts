import { builtInConnectors } from '../connectors/all.js';
import type { ConnectorLogEvent } from '../connectors/connector.js';
import { defaultRegistry } from '../integrations/registry.js';
import { CredentialStore } from '../store/credentials.js';
import { IntegrationStore } from '../store/integrations.js';
import { SyncService } from '../sync/service.js';
import { SyncWorker } from '../sync/worker.js';
import type { Runtime } from './runtime.js';

/**
 * The integration and sync services of this build over one opened store: what serve, the CLI and the demo share.
 * `log` receives the sync service's and worker's events (stream failures, jobs that could not start).
 */
export function composeServices(rt: Pick<Runtime, 'db' | 'box'>, log?: (event: ConnectorLogEvent) => void) {
  const connectors = builtInConnectors();
  const registry = defaultRegistry([...connectors.values()].map((c) => c.spec));
  const integrations = new IntegrationStore(registry, rt.box);
  const credentials = new CredentialStore(rt.box);
  const sync = new SyncService({
    db: rt.db,
    connectors,
    integrations,
    credentials,
    ...(log === undefined ? {} : { log }),
  });
  const worker = new SyncWorker({ db: rt.db, connectors, integrations, service: sync });
  return { connectors, registry, integrations, sync, worker };
}
