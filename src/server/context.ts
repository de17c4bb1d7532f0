import type { Config } from '../core/config.js';
import type { CustomCicdIngest } from '../ingest/service.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { CredentialStore } from '../store/credentials.js';
import type { Db } from '../store/db.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { SyncService } from '../sync/service.js';

/** What route modules need, passed in (no module-level state). */
export interface AppContext {
  readonly db: Db;
  readonly config: Config;
  readonly registry: IntegrationRegistry;
  readonly integrations: IntegrationStore;
  readonly credentials: CredentialStore;
  readonly ingest: CustomCicdIngest;
  readonly sync: SyncService;
  /** Wakes the sync worker when a sync is requested, so it starts at once. */
  readonly onSyncRequested?: () => void;
}
