// Tokens and how a request proves who it is (gitlabhq lib/gitlab/auth/auth_finders.rb, api_guard.rb):
// `PRIVATE-TOKEN` and `?private_token=` take personal access tokens only; `Authorization: Bearer` and
// `?access_token=` take personal access tokens and OAuth access tokens. Unknown or missing → 401
// "401 Unauthorized"; expired or revoked → 401 invalid_token with a WWW-Authenticate challenge; a token
// without an accepted scope → 403 insufficient_scope. PATs expire at the start of their `expires_at` day
// (UTC); OAuth tokens `expires_in` seconds after they were issued, on the fake's clock.

import type { IncomingHttpHeaders } from 'node:http';
import { EXPIRED, REVOKED, insufficientScope, invalidToken, unauthorized } from './errors.js';
import type { User } from './model.js';
import type { Rng } from './prng.js';
import { DAY } from './time.js';

export type Scope = 'api' | 'read_api' | 'read_user' | 'read_repository' | 'write_repository' | 'sudo' | 'openid';

export const READ_SCOPES: readonly Scope[] = ['api', 'read_api'];
export const USER_SCOPES: readonly Scope[] = ['api', 'read_api', 'read_user'];

export interface PersonalAccessToken {
  kind: 'pat';
  id: number;
  token: string;
  name: string;
  user: User;
  scopes: Scope[];
  createdAt: number;
  /** `YYYY-MM-DD`; the token stops working when that day starts (UTC). */
  expiresAt: string | null;
  revoked: boolean;
  lastUsedAt: number | null;
}

export interface OAuthAccessToken {
  kind: 'oauth';
  id: number;
  token: string;
  refreshToken: string;
  clientId: string;
  user: User;
  scopes: Scope[];
  createdAt: number;
  expiresInSeconds: number;
  revoked: boolean;
  /** The refresh token was used (rotation) or revoked. */
  refreshUsed: boolean;
}

export type AccessToken = PersonalAccessToken | OAuthAccessToken;

/** Where the credential came from; logged per request (never the value). */
export type AuthVia = 'private-token' | 'bearer' | 'query-private-token' | 'query-access-token' | 'none';

export interface Credential {
  via: AuthVia;
  value: string;
}

export interface Caller {
  user: User;
  token: AccessToken;
  via: AuthVia;
}

export interface PatSpec {
  user: User;
  scopes?: Scope[];
  name?: string;
  /** `YYYY-MM-DD`, or null for a token that never expires (default: one year after creation). */
  expiresAt?: string | null;
  token?: string;
}

export interface TokenStore {
  addPat(spec: PatSpec, now: number): PersonalAccessToken;
  issueOAuth(
    input: { user: User; scopes: Scope[]; clientId: string; expiresInSeconds: number },
    now: number,
  ): OAuthAccessToken;
  find(value: string): AccessToken | undefined;
  findByRefresh(refreshToken: string): OAuthAccessToken | undefined;
  /** Authenticates a credential and checks that the token holds one of `accepted`. */
  authenticate(credential: Credential, accepted: readonly Scope[], now: number): Caller;
  /** The user a credential belongs to, without side effects or errors (for rate limiting). */
  peek(credential: Credential, now: number): User | undefined;
  isExpired(token: AccessToken, now: number): boolean;
}

export function readCredential(headers: IncomingHttpHeaders, url: URL): Credential {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const privateToken = header('private-token');
  if (privateToken) return { via: 'private-token', value: privateToken };
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization') ?? '');
  if (bearer?.[1]) return { via: 'bearer', value: bearer[1] };
  const query = url.searchParams.get('private_token');
  if (query) return { via: 'query-private-token', value: query };
  const access = url.searchParams.get('access_token');
  if (access) return { via: 'query-access-token', value: access };
  return { via: 'none', value: '' };
}

export function createTokenStore(rng: Rng): TokenStore {
  const byValue = new Map<string, AccessToken>();
  const byRefresh = new Map<string, OAuthAccessToken>();
  let nextId = 10_400_000 + rng.int(0, 90_000);
  const isExpired = (token: AccessToken, now: number): boolean =>
    token.kind === 'pat'
      ? token.expiresAt !== null && now >= Date.parse(`${token.expiresAt}T00:00:00Z`)
      : now >= token.createdAt + token.expiresInSeconds * 1000;
  const lookup = (credential: Credential): AccessToken | undefined => {
    const token = byValue.get(credential.value);
    const patOnly = credential.via === 'private-token' || credential.via === 'query-private-token';
    return token && (!patOnly || token.kind === 'pat') ? token : undefined;
  };
  return {
    addPat(spec, now) {
      const token: PersonalAccessToken = {
        kind: 'pat',
        id: (nextId += rng.int(1, 50)),
        token: spec.token ?? `glpat-${rng.token(20)}`,
        name: spec.name ?? 'sei',
        user: spec.user,
        scopes: spec.scopes ?? ['api'],
        createdAt: now,
        expiresAt: spec.expiresAt === undefined ? new Date(now + 365 * DAY).toISOString().slice(0, 10) : spec.expiresAt,
        revoked: false,
        lastUsedAt: null,
      };
      byValue.set(token.token, token);
      return token;
    },
    issueOAuth(input, now) {
      const token: OAuthAccessToken = {
        kind: 'oauth',
        id: (nextId += rng.int(1, 50)),
        token: rng.hex(64),
        refreshToken: rng.hex(64),
        refreshUsed: false,
        revoked: false,
        createdAt: now,
        ...input,
      };
      byValue.set(token.token, token);
      byRefresh.set(token.refreshToken, token);
      return token;
    },
    find: (value) => byValue.get(value),
    findByRefresh: (value) => byRefresh.get(value),
    isExpired,
    peek(credential, now) {
      const token = lookup(credential);
      return token && !token.revoked && !isExpired(token, now) ? token.user : undefined;
    },
    authenticate(credential, accepted, now) {
      const token = credential.via === 'none' ? undefined : lookup(credential);
      if (!token) throw unauthorized();
      if (token.revoked) throw invalidToken(REVOKED);
      if (isExpired(token, now)) throw invalidToken(EXPIRED);
      if (!token.scopes.some((s) => accepted.includes(s))) throw insufficientScope(accepted);
      if (token.kind === 'pat') token.lastUsedAt = now;
      return { user: token.user, token, via: credential.via };
    },
  };
}
