import { CUSTOM_CICD_STREAM } from '../ingest/service.js';
import type { Queryable } from './db.js';

/** How fresh one integration's data is: its last finished sync, or the last run its webhook received. */
export interface IntegrationFreshness {
  integration_id: string;
  name: string;
  type: string;
  last_sync_at: Date | null;
  last_received_at: Date | null;
}

/** Per integration of a tenant; each lookup walks an index backwards and reads one row. */
export async function integrationFreshness(db: Queryable, tenantId: string): Promise<IntegrationFreshness[]> {
  return db.query<IntegrationFreshness>(
    `SELECT i.id::text AS integration_id, i.name, i.type,
       (SELECT j.finished_at FROM sync_jobs j
         WHERE j.tenant_id = i.tenant_id AND j.integration_id = i.id AND j.status IN ('succeeded', 'partial')
         ORDER BY j.id DESC LIMIT 1) AS last_sync_at,
       (SELECT r.received_at FROM raw_records r
         WHERE r.tenant_id = i.tenant_id AND r.integration_id = i.id AND r.stream = $2
         ORDER BY r.id DESC LIMIT 1) AS last_received_at
     FROM integrations i WHERE i.tenant_id = $1 ORDER BY i.id`,
    [tenantId, CUSTOM_CICD_STREAM],
  );
}
