import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import type { Queryable } from './db.js';

export interface Tenant {
  tenant_id: string;
  name: string;
  created_at: Date;
}

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function createTenant(db: Queryable, tenantId: string, name: string): Promise<Tenant> {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new InputError(
      'invalid_tenant_id',
      'A tenant id is 1-63 lower-case letters, digits or dashes, starting with a letter or digit.',
      { field: 'tenant_id' },
    );
  }
  const rows = await db.query<Tenant>(
    `INSERT INTO tenants (tenant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING
     RETURNING tenant_id, name, created_at`,
    [tenantId, name],
  );
  const row = rows[0];
  if (row === undefined) throw new ConflictError(`Tenant "${tenantId}" already exists.`, 'tenant_exists');
  return row;
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  return db.query<Tenant>('SELECT tenant_id, name, created_at FROM tenants ORDER BY tenant_id');
}

export async function getTenant(db: Queryable, tenantId: string): Promise<Tenant> {
  const rows = await db.query<Tenant>('SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = $1', [
    tenantId,
  ]);
  const row = rows[0];
  if (row === undefined) throw new NotFoundError(`No tenant "${tenantId}".`, { code: 'tenant_not_found' });
  return row;
}
