// GitLab's OAuth 2 provider (Doorkeeper): authorization code with PKCE, refresh with rotation, revoke.
// The fake has no login page: `/oauth/authorize` approves (or denies) at once as the configured
// signed-in user and redirects. A bad client or redirect URI gets Doorkeeper's 400 error page instead
// of a redirect; every other authorize error goes back to the redirect URI as `error=...`.

import { createHash } from 'node:crypto';
import type { OAuthAccessToken, Scope, TokenStore } from './auth.js';
import type { Reply } from './context.js';
import type { User } from './model.js';
import type { Rng } from './prng.js';
import { MINUTE } from './time.js';

export interface OAuthAppSpec {
  clientId?: string;
  clientSecret?: string;
  redirectUri: string | string[];
  /** Scopes the application may ask for (default api, read_api, read_user). */
  scopes?: Scope[];
  /** Confidential apps must authenticate with their secret; public ones must use PKCE (default true). */
  confidential?: boolean;
  name?: string;
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  scopes: Scope[];
  confidential: boolean;
  name: string;
}

interface Grant {
  code: string;
  app: OAuthApp;
  user: User;
  redirectUri: string;
  scopes: Scope[];
  challenge: { value: string; method: 'S256' | 'plain' } | null;
  createdAt: number;
  used: boolean;
}

export interface OAuthProvider {
  addApp(spec: OAuthAppSpec): OAuthApp;
  /** The user `/oauth/authorize` acts as. */
  setUser(user: User): void;
  setConsent(consent: 'approve' | 'deny'): void;
  setTokenLifetime(seconds: number): void;
  /** A token as if the code flow had run (for tests that need a token, not the flow). */
  issue(user: User, scopes: Scope[], clientId?: string): OAuthAccessToken;
  handle(
    method: string,
    path: string,
    url: URL,
    body: Record<string, string>,
    authorization: string | undefined,
  ): Reply | undefined;
}

const CODE_TTL = 10 * MINUTE;

const ERRORS: Record<string, string> = {
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unsupported_response_type: 'The authorization server does not support this response type.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  access_denied: 'The resource owner or authorization server denied the request.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
};

function oauthError(status: number, error: string, description = ERRORS[error] ?? error): Reply {
  return { status, body: { error, error_description: description }, headers: { 'cache-control': 'no-store' } };
}

function errorPage(error: string): Reply {
  const html = `<!DOCTYPE html>\n<html><body><main><h1>An error has occurred</h1><p>${ERRORS[error] ?? error}</p></main></body></html>\n`;
  return { status: 400, body: html, headers: { 'content-type': 'text/html; charset=utf-8' } };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function createOAuthProvider(tokens: TokenStore, rng: Rng, now: () => number, initialUser: User): OAuthProvider {
  const apps = new Map<string, OAuthApp>();
  const grants = new Map<string, Grant>();
  let user = initialUser;
  let consent: 'approve' | 'deny' = 'approve';
  let lifetime = 7200;

  const clientFrom = (body: Record<string, string>, authorization: string | undefined) => {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    const [id, secret] = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
    return { id: id ?? body.client_id, secret: secret ?? body.client_secret };
  };
  /** The app, if the client authenticated as Doorkeeper requires (secret for confidential apps). */
  const authenticateClient = (
    body: Record<string, string>,
    authorization: string | undefined,
  ): OAuthApp | undefined => {
    const { id, secret } = clientFrom(body, authorization);
    const app = id ? apps.get(id) : undefined;
    if (!app) return undefined;
    if (app.confidential && secret !== app.clientSecret) return undefined;
    if (!app.confidential && secret !== undefined && secret !== app.clientSecret) return undefined;
    return app;
  };
  const tokenReply = (token: OAuthAccessToken): Reply => ({
    body: {
      access_token: token.token,
      token_type: 'Bearer',
      expires_in: token.expiresInSeconds,
      refresh_token: token.refreshToken,
      scope: token.scopes.join(' '),
      created_at: Math.floor(token.createdAt / 1000),
    },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  });
  const issue = (owner: User, scopes: Scope[], clientId: string) =>
    tokens.issueOAuth({ user: owner, scopes, clientId, expiresInSeconds: lifetime }, now());

  const authorize = (url: URL): Reply => {
    const q = (name: string) => url.searchParams.get(name) ?? undefined;
    const app = apps.get(q('client_id') ?? '');
    if (!app) return errorPage('invalid_client');
    const redirectUri = q('redirect_uri') ?? (app.redirectUris.length === 1 ? app.redirectUris[0] : undefined);
    if (!redirectUri || !app.redirectUris.includes(redirectUri)) return errorPage('invalid_redirect_uri');
    const back = (params: Record<string, string | undefined>): Reply => {
      const target = new URL(redirectUri);
      for (const [name, value] of Object.entries({ ...params, state: q('state') })) {
        if (value !== undefined) target.searchParams.set(name, value);
      }
      return {
        status: 302,
        body: '',
        headers: { location: target.toString(), 'content-type': 'text/html; charset=utf-8' },
      };
    };
    const fail = (error: string, description = ERRORS[error]) => back({ error, error_description: description });
    if (q('response_type') !== 'code') return fail('unsupported_response_type');
    const scopes = (q('scope') ?? app.scopes.join(' ')).split(/[\s+]+/).filter(Boolean) as Scope[];
    if (scopes.length === 0 || scopes.some((s) => !app.scopes.includes(s))) return fail('invalid_scope');
    const challenge = q('code_challenge');
    const method = q('code_challenge_method') ?? (challenge ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return fail('invalid_request', 'The code challenge method must be plain or S256.');
    }
    if (!challenge && !app.confidential) return fail('invalid_request', 'Code challenge is required.');
    if (consent === 'deny') return fail('access_denied');
    const code = rng.hex(64);
    grants.set(code, {
      code,
      app,
      user,
      redirectUri,
      scopes,
      challenge: challenge ? { value: challenge, method: method === 'S256' ? 'S256' : 'plain' } : null,
      createdAt: now(),
      used: false,
    });
    return back({ code });
  };

  const token = (body: Record<string, string>, authorization: string | undefined): Reply => {
    const app = authenticateClient(body, authorization);
    if (!app) return oauthError(401, 'invalid_client');
    if (body.grant_type === 'authorization_code') {
      if (!body.code) return oauthError(400, 'invalid_request', 'Missing required parameter: code.');
      const grant = grants.get(body.code);
      const valid = grant && !grant.used && grant.app === app && now() < grant.createdAt + CODE_TTL;
      if (!grant || !valid || (body.redirect_uri ?? grant.redirectUri) !== grant.redirectUri) {
        return oauthError(400, 'invalid_grant');
      }
      if (grant.challenge) {
        if (!body.code_verifier)
          return oauthError(400, 'invalid_request', 'Missing required parameter: code_verifier.');
        const { value, method } = grant.challenge;
        if ((method === 'S256' ? pkceChallenge(body.code_verifier) : body.code_verifier) !== value) {
          return oauthError(400, 'invalid_grant');
        }
      }
      grant.used = true;
      return tokenReply(issue(grant.user, grant.scopes, app.clientId));
    }
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) return oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token.');
      const old = tokens.findByRefresh(body.refresh_token);
      // A revoked token (the user revoked the app, or /oauth/revoke) cannot be refreshed, as in Doorkeeper.
      if (!old || old.refreshUsed || old.revoked || old.clientId !== app.clientId)
        return oauthError(400, 'invalid_grant');
      old.refreshUsed = true;
      old.revoked = true;
      return tokenReply(issue(old.user, old.scopes, app.clientId));
    }
    return oauthError(400, 'unsupported_grant_type');
  };

  const revoke = (body: Record<string, string>, authorization: string | undefined): Reply => {
    const app = authenticateClient(body, authorization);
    if (!app) return oauthError(403, 'unauthorized_client', 'You are not authorized to revoke this token');
    const found = tokens.find(body.token ?? '') ?? tokens.findByRefresh(body.token ?? '');
    if (found?.kind === 'oauth' && found.clientId === app.clientId) {
      found.revoked = true;
      found.refreshUsed = true;
    }
    return { body: {} };
  };

  const info = (authorization: string | undefined, url: URL): Reply => {
    const value = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? url.searchParams.get('access_token') ?? '';
    const found = tokens.find(value);
    if (!found || found.revoked || tokens.isExpired(found, now()))
      return oauthError(401, 'invalid_token', 'The access token is invalid');
    const expiresIn =
      found.kind === 'oauth'
        ? Math.max(0, Math.floor((found.createdAt + found.expiresInSeconds * 1000 - now()) / 1000))
        : null;
    return {
      body: {
        resource_owner_id: found.user.id,
        scope: found.scopes,
        expires_in: expiresIn,
        application: { uid: found.kind === 'oauth' ? found.clientId : null },
        created_at: Math.floor(found.createdAt / 1000),
        scopes: found.scopes,
        expires_in_seconds: expiresIn,
      },
    };
  };

  return {
    addApp(spec) {
      const app: OAuthApp = {
        clientId: spec.clientId ?? rng.hex(64),
        clientSecret: spec.clientSecret ?? `gloas-${rng.hex(64)}`,
        redirectUris: Array.isArray(spec.redirectUri) ? spec.redirectUri : [spec.redirectUri],
        scopes: spec.scopes ?? ['api', 'read_api', 'read_user'],
        confidential: spec.confidential ?? true,
        name: spec.name ?? 'OpenSEI',
      };
      apps.set(app.clientId, app);
      return app;
    },
    setUser: (next) => (user = next),
    setConsent: (next) => (consent = next),
    setTokenLifetime(seconds) {
      if (!(seconds > 0)) throw new Error('the token lifetime must be > 0 seconds');
      lifetime = seconds;
    },
    issue: (owner, scopes, clientId) => issue(owner, scopes, clientId ?? apps.keys().next().value ?? 'test'),
    handle(method, path, url, body, authorization) {
      if (path === '/oauth/authorize' && method === 'GET') return authorize(url);
      if (path === '/oauth/token' && method === 'POST') return token(body, authorization);
      if (path === '/oauth/revoke' && method === 'POST') return revoke(body, authorization);
      if (path === '/oauth/token/info' && method === 'GET') return info(authorization, url);
      return undefined;
    },
  };
}
