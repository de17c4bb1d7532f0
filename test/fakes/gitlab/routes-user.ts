// `/user`, `/personal_access_tokens/self` and `/version`: what Validate Connection reads.

import type { Scope } from './auth.js';
import { USER_SCOPES } from './auth.js';
import { requireUser, type Handler } from './context.js';
import { notFound } from './errors.js';
import { currentUser } from './render-user.js';
import { iso, isoOrNull } from './time.js';

const ANY_SCOPE: readonly Scope[] = [
  'api',
  'read_api',
  'read_user',
  'read_repository',
  'write_repository',
  'sudo',
  'openid',
];

export const getCurrentUser: Handler = (ctx) => {
  const caller = requireUser(ctx, USER_SCOPES);
  return { body: currentUser(caller.user, ctx.base, ctx.now) };
};

export const getVersion: Handler = (ctx) => {
  requireUser(ctx, USER_SCOPES);
  return {
    body: {
      version: '17.5.0-ee',
      revision: '8ef1a7ea0f2',
      kas: { enabled: true, externalUrl: `${ctx.base.replace(/^http/, 'ws')}/-/kubernetes-agent/`, version: '17.5.0' },
      enterprise: true,
    },
  };
};

/** Introspects the calling personal access token (any scope may ask); OAuth tokens are not PATs. */
export const getTokenSelf: Handler = (ctx) => {
  const caller = requireUser(ctx, ANY_SCOPE);
  const token = caller.token;
  if (token.kind !== 'pat') throw notFound();
  return {
    body: {
      id: token.id,
      name: token.name,
      revoked: token.revoked,
      created_at: iso(token.createdAt),
      description: null,
      scopes: token.scopes,
      user_id: token.user.id,
      last_used_at: isoOrNull(token.lastUsedAt),
      active: !token.revoked && !ctx.tokens.isExpired(token, ctx.now),
      expires_at: token.expiresAt,
    },
  };
};
