import type { FastifyRequest } from 'fastify';
import { AuthError, ForbiddenError } from '../core/errors.js';
import { authenticate, type Principal, type Role, touchApiKey } from '../store/api-keys.js';
import type { Db } from '../store/db.js';
import { findSession } from '../store/sessions.js';
import { csrfOk, readCookie, SESSION_COOKIE } from './session-cookie.js';

/** Which keys may call a route: any valid key of the roles listed, or nobody needs one. */
export type Access = 'public' | 'admin' | 'ingest';

const ALLOWED: Readonly<Record<Exclude<Access, 'public'>, readonly Role[]>> = {
  admin: ['admin'],
  ingest: ['admin', 'ingestion'],
};

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * Reads `Authorization: ApiKey <key>` (Bearer is accepted too), else the web app's session cookie, and checks
 * the key's role. A cookie-authenticated unsafe request must carry the session's CSRF header.
 */
export function authHook(db: Db) {
  // last_used_at is written at most once a minute per key, so it costs nearly nothing.
  const touched = new Map<string, number>();
  const touch = async (principal: Principal): Promise<void> => {
    const now = Date.now();
    if (now - (touched.get(principal.keyId) ?? 0) < TOUCH_INTERVAL_MS) return;
    touched.set(principal.keyId, now);
    await touchApiKey(db, principal);
  };
  return async (req: FastifyRequest): Promise<void> => {
    const access = req.routeOptions.config.access ?? 'admin';
    if (access === 'public') return;
    const principal = await identify(db, req);
    if (!ALLOWED[access].includes(principal.role)) {
      throw new ForbiddenError(`This needs a key with role ${ALLOWED[access].join(' or ')}.`, 'insufficient_role');
    }
    req.principal = principal;
    await touch(principal);
  };
}

async function identify(db: Db, req: FastifyRequest): Promise<Principal> {
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === '') {
    const token = readCookie(req, SESSION_COOKIE);
    if (token === undefined) throw new AuthError('Send your key as "Authorization: ApiKey <key>".', 'missing_api_key');
    const session = await findSession(db, token);
    if (session === null) throw new AuthError('The session has ended: sign in again.', 'session_expired');
    if (!csrfOk(req, token)) {
      throw new ForbiddenError('The X-SEI-CSRF header is missing or wrong: reload the page.', 'csrf_failed');
    }
    return { tenantId: session.tenantId, keyId: session.keyId, role: session.role };
  }
  const m = /^(ApiKey|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (m === null) throw new AuthError('The Authorization header must be "ApiKey <key>".', 'invalid_authorization');
  const principal = await authenticate(db, m[2]!);
  if (principal === null) throw new AuthError('The API key is unknown or revoked.', 'invalid_api_key');
  return principal;
}

/** The caller's tenant; only valid on routes that need a key. */
export function tenantOf(req: FastifyRequest): string {
  if (req.principal === null) throw new AuthError('This route needs an API key.');
  return req.principal.tenantId;
}
