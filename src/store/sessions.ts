import { randomUUID } from 'node:crypto';
import { randomToken, sha256Hex } from '../core/crypto.js';
import type { Principal, Role } from './api-keys.js';
import type { Queryable } from './db.js';

/** How long a web sign-in lasts; the browser signs in again after that. */
export const SESSION_TTL_MS = 12 * 3_600_000;

const TOKEN_PREFIX = 'ses_';

/** Who is signed in: the key's principal plus what the page shows (never the key). */
export interface SessionInfo extends Principal {
  sessionId: string;
  keyName: string;
  keyPrefix: string;
  expiresAt: Date;
}

/** Starts a session for a live key; the clear token is returned once and only its SHA-256 is stored. */
export async function createSession(
  db: Queryable,
  principal: Principal,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = TOKEN_PREFIX + randomToken(32);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.query(
    `INSERT INTO web_sessions (tenant_id, id, token_hash, key_id, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [principal.tenantId, randomUUID(), sha256Hex(token), principal.keyId, expiresAt],
  );
  return { token, expiresAt };
}

/** The live session behind a cookie token: not expired, not signed out, and its API key not revoked. */
export async function findSession(db: Queryable, token: string): Promise<SessionInfo | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const rows = await db.query<{
    tenant_id: string;
    id: string;
    key_id: string;
    role: Role;
    name: string;
    prefix: string;
    expires_at: Date;
  }>(
    `SELECT s.tenant_id, s.id, s.key_id, k.role, k.name, k.prefix, s.expires_at
     FROM web_sessions s JOIN api_keys k ON k.tenant_id = s.tenant_id AND k.id = s.key_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND k.revoked_at IS NULL`,
    [sha256Hex(token)],
  );
  const r = rows[0];
  if (r === undefined) return null;
  return {
    tenantId: r.tenant_id,
    keyId: r.key_id,
    role: r.role,
    sessionId: r.id,
    keyName: r.name,
    keyPrefix: r.prefix,
    expiresAt: new Date(r.expires_at),
  };
}

/** Signs a session out; expired sessions of the tenant are cleared on the way. */
export async function revokeSession(db: Queryable, tenantId: string, sessionId: string): Promise<void> {
  await db.query(`UPDATE web_sessions SET revoked_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, sessionId]);
  await db.query(`DELETE FROM web_sessions WHERE tenant_id = $1 AND expires_at < now() - interval '1 day'`, [tenantId]);
}
