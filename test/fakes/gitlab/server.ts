// A faithful fake of the GitLab REST v4 API an engineering-insights connector reads, plus GitLab's OAuth 2
// provider, as a real HTTP server on 127.0.0.1 (port 0 by default). See README.md in this folder for the
// endpoints, the data, auth and the faults. All state hangs off the returned instance.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClock, type ClockMode } from '../common/clock.js';
import { HttpError } from '../common/errors.js';
import type { TruncateMode } from '../common/faults.js';
import { listen, parseQuery, readBody } from '../common/http.js';
import { deriveSeed } from '../common/prng.js';
import { encodeReply, errorReply, send, type Encoded } from '../common/respond.js';
import { createTokenStore, readCredential, type Scope } from './auth.js';
import type { RouteContext } from './context.js';
import { buildControls, type FakeGitLab, type RequestLogEntry, type ServerState } from './controls.js';
import { retryLater, serverError } from './errors.js';
import { createFaults, type FaultOptions } from './faults.js';
import { createOAuthProvider, type OAuthAppSpec } from './oauth.js';
import { Params } from './params.js';
import { createRng } from './prng.js';
import { createRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { API_PREFIX, dispatch } from './router.js';
import { createWorld, type GitLabDataOptions } from './world.js';

export type { FakeGitLab, RequestLogEntry } from './controls.js';

export interface FakeGitLabOptions extends GitLabDataOptions, FaultOptions, RateLimitOptions {
  /** 'manual' (default): time stands still until `advance`. 'wall': time flows from `now`, for demos. */
  clock?: ClockMode;
  host?: string;
  port?: number;
  /** Offset pages of more rows than this leave out x-total, x-total-pages and rel="last" (default 10,000). */
  totalsThreshold?: number;
  /** Largest offset `/projects` and `/groups` accept before 405 (default 50,000, as on gitlab.com). */
  maxOffset?: number;
  /** Scopes of the default token (default ['api']). */
  tokenScopes?: Scope[];
  /** Expiry date of the default token, `YYYY-MM-DD` or null (default: a year after `now`). */
  tokenExpiresAt?: string | null;
  /** The OAuth application registered at start (default: confidential, redirect http://127.0.0.1/callback). */
  oauthApp?: Partial<OAuthAppSpec>;
  /** Who `/oauth/authorize` signs in as (default the main user). */
  oauthUser?: string;
  /** OAuth access token lifetime in seconds (default 7200). */
  oauthTokenTtlSeconds?: number;
}

export async function startFakeGitLab(options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const world = createWorld(options);
  const seed = world.options.seed;
  const clock = createClock(options.clock ?? 'manual', world.options.now);
  const tokens = createTokenStore(createRng(deriveSeed(seed, 'tokens')));
  const oauthUser = options.oauthUser ? world.user(options.oauthUser) : world.mainUser;
  if (!oauthUser) throw new Error(`unknown oauthUser ${options.oauthUser}`);
  const oauth = createOAuthProvider(tokens, createRng(deriveSeed(seed, 'oauth')), () => clock.now(), oauthUser);
  if (options.oauthTokenTtlSeconds !== undefined) oauth.setTokenLifetime(options.oauthTokenTtlSeconds);
  const state: ServerState = {
    world,
    clock,
    tokens,
    oauth,
    faults: createFaults(options),
    limiter: createRateLimiter(options),
    log: [],
    onRequest: null,
    baseUrl: '',
    totalsThreshold: options.totalsThreshold ?? 10_000,
    maxOffset: options.maxOffset ?? 50_000,
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch((err: unknown) => {
      console.error('fake gitlab: request failed', err);
      res.destroy();
    });
  });
  state.baseUrl = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const main = tokens.addPat(
    { user: world.mainUser, scopes: options.tokenScopes ?? ['api'], expiresAt: options.tokenExpiresAt, name: 'sei' },
    clock.now(),
  );
  const app = oauth.addApp({ redirectUri: 'http://127.0.0.1/callback', ...options.oauthApp });
  return buildControls(state, server, main.token, app);
}

/** OAuth endpoints take form bodies (and, as Doorkeeper does, JSON). */
function formBody(raw: string, contentType: string | undefined): Record<string, string> {
  if (raw === '') return {};
  if (contentType?.includes('json')) {
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

const SECRET_PARAMS = [
  'private_token',
  'access_token',
  'code',
  'code_verifier',
  'client_secret',
  'refresh_token',
  'token',
];

function redactedQuery(url: URL): Record<string, string[]> {
  const query = Object.fromEntries(parseQuery(url));
  for (const name of SECRET_PARAMS) if (query[name]) query[name] = query[name].map(() => '[redacted]');
  return query;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const raw = await readBody(req);
  const url = new URL(req.url ?? '/', state.baseUrl);
  const method = req.method ?? 'GET';
  const credential = readCredential(req.headers, url);
  const entry: RequestLogEntry = {
    seq: state.log.length + 1,
    method,
    path: url.pathname,
    query: redactedQuery(url),
    status: 0,
    auth: credential.via,
    tokenKind: null,
    user: null,
    at: state.clock.now(),
  };
  state.log.push(entry);
  state.onRequest?.(entry);
  const latency = state.faults.latencyMs();
  if (latency > 0) await sleep(latency);
  const now = state.clock.now();
  state.world.sync(now);
  let encoded: Encoded;
  let truncate: TruncateMode | undefined;
  let rateHeaders: Record<string, string> = {};
  let ctx: RouteContext | undefined;
  try {
    if (url.pathname.startsWith('/oauth/')) {
      const authorization = req.headers.authorization;
      const reply = state.oauth.handle(
        method,
        url.pathname,
        url,
        formBody(raw, req.headers['content-type']),
        authorization,
      );
      if (!reply) throw notFoundPage();
      encoded = encodeReply(reply);
    } else if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      const identity = state.tokens.peek(credential, now);
      const rate = state.limiter.hit(identity ? `user:${identity.id}` : null, now);
      rateHeaders = rate.headers;
      if (rate.limited) throw retryLater(rate.headers);
      const path = url.pathname.slice(API_PREFIX.length) || '/';
      const fault = state.faults.take(path);
      if (fault) throw fault;
      ctx = {
        url,
        params: new Params(parseQuery(url)),
        now,
        base: state.baseUrl,
        world: state.world,
        tokens: state.tokens,
        credential,
        totalsThreshold: state.totalsThreshold,
        maxOffset: state.maxOffset,
        caller: null,
      };
      encoded = encodeReply(dispatch(method, path, ctx));
      truncate = state.faults.takeTruncation();
    } else {
      throw notFoundPage();
    }
  } catch (err) {
    // A bug in the fake must not pass for an upstream 500: say so on stderr.
    if (!(err instanceof HttpError)) console.error('fake gitlab: unexpected error', err);
    encoded = encodeReply(errorReply(err instanceof HttpError ? err : serverError()));
  }
  // The Date header tells the fake's clock, as GitLab's tells its own (clients may trust it over theirs).
  encoded.headers = { date: new Date(now).toUTCString(), ...rateHeaders, ...encoded.headers };
  entry.status = encoded.status;
  entry.tokenKind = ctx?.caller?.token.kind ?? null;
  entry.user = ctx?.caller?.user.username ?? null;
  send(res, encoded, truncate);
}

function notFoundPage(): HttpError {
  return new HttpError(404, '<!DOCTYPE html>\n<html><body><h1>404</h1><p>Page Not Found</p></body></html>\n', {
    'content-type': 'text/html; charset=utf-8',
  });
}
