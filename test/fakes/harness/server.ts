// A faithful fake of the Harness NG APIs a CI/CD-insights connector reads, as a real HTTP server on
// 127.0.0.1 (port 0 by default). See README.md in this folder for the endpoints, the data and the faults.
// All state hangs off the returned instance; two fakes in one process share nothing.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClock, type ClockMode, type FakeClock } from '../common/clock.js';
import { HttpError } from '../common/errors.js';
import type { FaultSpec, TruncateMode } from '../common/faults.js';
import { close, listen, parseQuery, readBody } from '../common/http.js';
import { deriveSeed } from '../common/prng.js';
import { errorReply, send, type Encoded } from '../common/respond.js';
import { createKeyStore, type FakeKeySpec, type KeyStore } from './auth.js';
import type { DeniedListMode, RouteContext } from './context.js';
import { generateHarnessData, type AddExecutionInput, type HarnessData, type HarnessDataOptions } from './data.js';
import { unexpectedError } from './errors.js';
import { createFaults, type FaultController, type FaultOptions, type RateLimitRule } from './faults.js';
import { createRng, type Rng } from './prng.js';
import { encodeWithCorrelation } from './respond.js';
import { dispatch, routePath } from './router.js';
import type { ExecutionSummaryJson } from './summary.js';

export interface FakeHarnessOptions extends HarnessDataOptions, FaultOptions {
  /** 'manual' (default): time stands still until `advance`. 'wall': time flows from `now`, for demos. */
  clock?: ClockMode;
  /** Keys besides the default one (which has every permission on every org). */
  keys?: FakeKeySpec[];
  /** List endpoints for a key without the view permission: 403 (default) or an empty list. */
  deniedLists?: DeniedListMode;
  host?: string;
  port?: number;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** The route path, without `/gateway` or the query string. */
  path: string;
  gateway: boolean;
  query: Record<string, string[]>;
  /** The parsed JSON body (or raw text) of requests that had one. */
  body?: unknown;
  status: number;
  /** The fake's clock when the request arrived. */
  at: number;
}

export interface FakeHarness {
  /** Base URL without a trailing slash; use it as the Harness URL (routes also answer under `/gateway`). */
  readonly url: string;
  readonly accountId: string;
  /** The default key: every permission, every org. */
  readonly token: string;
  /** All tokens: the default one, then one per `options.keys` entry in order. */
  readonly tokens: readonly string[];
  readonly data: HarnessData;
  now(): number;
  /** Moves the clock forward; runs whose planned end passes become final, planned runs appear. */
  advance(ms: number): void;
  addKey(spec?: FakeKeySpec): string;
  revokeToken(token: string): void;
  /** Makes the token expire now (401 EXPIRED_TOKEN from then on). */
  expireToken(token: string): void;
  setLatency(ms: number): void;
  /** The next `count` matching requests fail with this status (a storm, or a 429 burst). */
  failNext(count: number, fault: FaultSpec): void;
  /** A 429 on every Nth request; null turns it off. */
  setRateLimit(rule: RateLimitRule | null): void;
  setRateLimitPerMinute(limit: number, sendRetryAfter?: boolean): void;
  /** The next `count` successful bodies are cut in half. */
  truncateNext(count: number, mode?: TruncateMode): void;
  clearFaults(): void;
  addExecution(input: AddExecutionInput): ExecutionSummaryJson;
  /** Starts `count` new runs now, on pipelines picked by the seeded PRNG. */
  tick(count?: number): ExecutionSummaryJson[];
  /** Removes an execution, as a data-retention purge would: from now on no list answers it. */
  deleteExecution(planExecutionId: string): void;
  /**
   * Called with each request's log entry as it arrives, before it is answered (latency, faults, routing):
   * a test can change the data or queue faults between two page requests, deterministically. null removes it.
   */
  onRequest(hook: ((entry: RequestLogEntry) => void) | null): void;
  /** Executions visible now, newest first, as the API renders them (final ones are frozen: read-only). */
  executions(filter?: { org?: string; project?: string }): ExecutionSummaryJson[];
  requests(): readonly RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

interface State {
  data: HarnessData;
  keys: KeyStore;
  clock: FakeClock;
  faults: FaultController;
  deniedLists: DeniedListMode;
  correlation: Rng;
  log: RequestLogEntry[];
  onRequest: ((entry: RequestLogEntry) => void) | null;
  baseUrl: string;
}

export async function startFakeHarness(options: FakeHarnessOptions = {}): Promise<FakeHarness> {
  const data = generateHarnessData(options);
  const seed = data.options.seed;
  const keys = createKeyStore(data.accountId, createRng(deriveSeed(seed, 'keys')));
  const tokens = [keys.add().token, ...(options.keys ?? []).map((spec) => keys.add(spec).token)];
  const state: State = {
    data,
    keys,
    clock: createClock(options.clock ?? 'manual', data.options.now),
    faults: createFaults(options),
    deniedLists: options.deniedLists ?? 'forbid',
    correlation: createRng(deriveSeed(seed, 'correlation')),
    log: [],
    onRequest: null,
    baseUrl: '',
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => res.destroy());
  });
  state.baseUrl = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return controls(state, server, tokens);
}

function controls(state: State, server: Server, tokens: string[]): FakeHarness {
  const { data, keys, clock, faults } = state;
  const key = (token: string) => {
    const found = keys.find(token);
    if (!found) throw new Error('unknown token');
    return found;
  };
  return {
    url: state.baseUrl,
    accountId: data.accountId,
    token: tokens[0] ?? '',
    tokens,
    data,
    now: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    addKey: (spec) => keys.add(spec).token,
    revokeToken: (token) => (key(token).revoked = true),
    expireToken: (token) => (key(token).expiresAt = clock.now()),
    setLatency: (ms) => faults.setLatency(ms),
    failNext: (count, fault) => faults.failNext(count, fault),
    setRateLimit: (rule) => faults.setRateLimit(rule),
    setRateLimitPerMinute: (limit, retryAfter) => faults.setRateLimitPerMinute(limit, retryAfter),
    truncateNext: (count, mode = 'json') => faults.truncateNext(count, mode),
    clearFaults: () => faults.clear(),
    addExecution: (input) => data.render(data.add(input, clock.now()), clock.now()),
    tick: (count = 1) => data.generate(count, clock.now()).map((p) => data.render(p, clock.now())),
    deleteExecution: (planExecutionId) => data.remove(planExecutionId),
    onRequest: (hook) => void (state.onRequest = hook),
    executions(filter = {}) {
      const now = clock.now();
      return data
        .visible(now)
        .filter(
          (p) =>
            (!filter.org || p.pipeline.org === filter.org) &&
            (!filter.project || p.pipeline.project === filter.project),
        )
        .map((p) => data.render(p, now));
    },
    requests: () => state.log,
    clearRequests: () => void state.log.splice(0),
    close: () => close(server),
  };
}

function logBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, state: State): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', state.baseUrl);
  const { path, gateway } = routePath(url.pathname);
  const query = parseQuery(url);
  const method = req.method ?? 'GET';
  const entry: RequestLogEntry = {
    seq: state.log.length + 1,
    method,
    path,
    gateway,
    query: Object.fromEntries(query),
    ...(body !== '' ? { body: logBody(body) } : {}),
    status: 0,
    at: state.clock.now(),
  };
  state.log.push(entry);
  state.onRequest?.(entry);
  const latency = state.faults.latencyMs();
  if (latency > 0) await sleep(latency);
  const now = state.clock.now();
  const correlationId = state.correlation.uuid();
  let encoded: Encoded;
  let truncate: TruncateMode | undefined;
  try {
    const apiKey = req.headers['x-api-key'];
    const fault = state.faults.before(path, typeof apiKey === 'string' ? apiKey : '', now);
    if (fault) throw fault;
    const ctx: RouteContext = { url, query, headers: req.headers, body, now, ...pick(state) };
    encoded = encodeWithCorrelation(dispatch(method, path, ctx), correlationId);
    truncate = state.faults.takeTruncation();
  } catch (err) {
    // A bug in the fake must not pass for an upstream 500: say so on stderr.
    if (!(err instanceof HttpError)) console.error('fake harness: unexpected error', err);
    encoded = encodeWithCorrelation(errorReply(err instanceof HttpError ? err : unexpectedError()), correlationId);
  }
  entry.status = encoded.status;
  send(res, encoded, truncate);
}

function pick(state: State): Pick<RouteContext, 'data' | 'keys' | 'deniedLists'> {
  return { data: state.data, keys: state.keys, deniedLists: state.deniedLists };
}
