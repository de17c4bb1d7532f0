import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '../core/errors.js';
import { randomToken, sha256Hex } from '../core/crypto.js';
import type { Queryable } from './db.js';

export const ROLES = ['admin', 'ingestion'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyInfo {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
}

const KEY_PREFIX = 'sei_';
const COLUMNS = 'id, tenant_id, name, role, prefix, created_at, last_used_at, revoked_at';

export function parseRole(value: string): Role {
  const role = ROLES.find((r) => r === value);
  if (role === undefined) {
    throw new InputError('invalid_role', `role must be one of ${ROLES.join(', ')}; got "${value}".`, { field: 'role' });
  }
  return role;
}

/** Creates a key; the clear key is returned once and only its SHA-256 is stored. */
export async function createApiKey(
  db: Queryable,
  tenantId: string,
  role: Role,
  name: string,
): Promise<{ key: string; info: ApiKeyInfo }> {
  // 32 random bytes: a plain SHA-256 is enough, no slow hash is needed for keys this long.
  const key = KEY_PREFIX + randomToken(32);
  const rows = await db.query<ApiKeyInfo>(
    `INSERT INTO api_keys (tenant_id, id, name, role, prefix, key_hash) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [tenantId, randomUUID(), name, role, key.slice(0, 10), sha256Hex(key)],
  );
  return { key, info: rows[0]! };
}

export async function listApiKeys(db: Queryable, tenantId: string): Promise<ApiKeyInfo[]> {
  return db.query<ApiKeyInfo>(`SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [
    tenantId,
  ]);
}

export async function revokeApiKey(db: Queryable, tenantId: string, id: string): Promise<ApiKeyInfo> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id : null;
  const rows =
    uuid === null
      ? []
      : await db.query<ApiKeyInfo>(
          `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2
           RETURNING ${COLUMNS}`,
          [tenantId, uuid],
        );
  const row = rows[0];
  if (row === undefined) throw new NotFoundError(`No API key "${id}" in this tenant.`, { code: 'key_not_found' });
  return row;
}

/** Finds the live key behind a clear key, or null. */
export async function authenticate(db: Queryable, key: string): Promise<Principal | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null;
  const rows = await db.query<{ tenant_id: string; id: string; role: Role }>(
    'SELECT tenant_id, id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [sha256Hex(key)],
  );
  const row = rows[0];
  return row === undefined ? null : { tenantId: row.tenant_id, keyId: row.id, role: row.role };
}

/** Records that a key was used (called at most once a minute per key). */
export async function touchApiKey(db: Queryable, principal: Principal): Promise<void> {
  await db.query('UPDATE api_keys SET last_used_at = now() WHERE tenant_id = $1 AND id = $2', [
    principal.tenantId,
    principal.keyId,
  ]);
}
