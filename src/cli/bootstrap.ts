import { createApiKey } from '../store/api-keys.js';
import type { Db } from '../store/db.js';
import { createTenant, listTenants } from '../store/tenants.js';

export const DEFAULT_TENANT = 'default';

/** On the first start, makes the default tenant and its first admin key; answers the key once. */
export async function bootstrap(db: Db): Promise<{ tenantId: string; key: string } | null> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7424002)');
    if ((await listTenants(tx)).length > 0) return null;
    await createTenant(tx, DEFAULT_TENANT, 'Default tenant');
    const { key } = await createApiKey(tx, DEFAULT_TENANT, 'admin', 'first admin key');
    return { tenantId: DEFAULT_TENANT, key };
  });
}
