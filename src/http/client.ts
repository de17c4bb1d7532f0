import { performAttempt, type AttemptOutcome } from './attempt.js';
import { classify, decide, type FailedOutcome } from './decide.js';
import type { UpstreamError } from './errors.js';
import { buildFailure, type FailureContext } from './failure.js';
import { rateLimitRemaining, rateLimitResetMs } from './rate-headers.js';
import { createRedactor, secretsFromHeaders, secretsFromUrl, SENSITIVE_HEADERS, type Redactor } from './redact.js';
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, type RetryOutcome, type RetryPolicy } from './retry-policy.js';
import { systemClock, systemSleep, type Clock, type Sleep } from './time.js';
import type { HttpClient, HttpClientOptions, HttpLogEvent, UpstreamRequest, UpstreamResponse } from './types.js';
import { buildUrl } from './url.js';

/** Everything a request needs from its client, resolved once. */
interface Deps {
  options: HttpClientOptions;
  policy: RetryPolicy;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  fetch: typeof globalThis.fetch;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  label: string;
  log: (event: HttpLogEvent) => void;
}

/** One request in flight. */
interface Call {
  method: string;
  url: URL;
  /** Redacted; all that logs and errors ever see. */
  safeUrl: string;
  headers: Record<string, string>;
  body: string | undefined;
  parse: 'json' | 'text';
  timeoutMs: number;
  redactor: Redactor;
  signal: AbortSignal;
  attempts: number;
  counts: Map<RetryOutcome, number>;
}

/** The upstream HTTP client every connector uses: timeouts, retries as data, rate budget, redaction. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const deps: Deps = {
    options,
    policy: mergeRetryPolicy(DEFAULT_RETRY_POLICY, options.retry),
    clock: options.clock ?? systemClock(),
    sleep: options.sleep ?? systemSleep(),
    random: options.random ?? Math.random,
    fetch: options.fetch ?? globalThis.fetch,
    headers: lowerCase(options.headers ?? {}),
    timeoutMs: options.timeoutMs ?? 30_000,
    label: options.upstream ?? 'the upstream',
    log: options.log ?? (() => {}),
  };
  const request = <T>(req: UpstreamRequest): Promise<UpstreamResponse<T>> => run<T>(deps, req);
  return {
    request,
    get: (url, req = {}) => request({ ...req, url, method: 'GET' }),
    post: (url, body, req = {}) => request({ ...req, url, body, method: 'POST' }),
  };
}

async function run<T>(deps: Deps, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
  const link = linkSignals([deps.options.signal, req.signal]);
  try {
    const call = prepare(deps, req, link.signal);
    for (;;) {
      const outcome = await send(deps, call);
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        return finish<T>(deps, call, outcome);
      }
      if (outcome.kind === 'cancelled') throw fail(deps, call, { kind: 'cancelled' });
      await retryOrThrow(deps, call, outcome);
    }
  } finally {
    link.dispose();
  }
}

function prepare(deps: Deps, req: UpstreamRequest, signal: AbortSignal): Call {
  const url = buildUrl(req.url, deps.options.baseUrl, req.query);
  const parse = req.parse ?? 'json';
  const headers: Record<string, string> = { ...deps.headers };
  if (parse === 'json' && headers['accept'] === undefined) headers['accept'] = 'application/json';
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (value === undefined) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const secrets = [...(deps.options.secrets ?? []), ...secretsFromHeaders(headers), ...secretsFromUrl(url)];
  const redactor = createRedactor({ secrets });
  const method = req.method ?? 'GET';
  const timeoutMs = req.timeoutMs ?? deps.timeoutMs;
  const base = { method, url, headers, body, parse, timeoutMs, redactor, signal, attempts: 0 };
  return { ...base, safeUrl: redactor.url(url), counts: new Map() };
}

/** Waits for the budget, makes one attempt, and tells the hook, the log and the budget what came back. */
async function send(deps: Deps, call: Call): Promise<AttemptOutcome> {
  call.attempts += 1;
  try {
    await deps.options.budget?.acquire(call.signal);
  } catch (error) {
    if (call.signal.aborted) return { kind: 'cancelled' };
    throw error;
  }
  const { method, safeUrl: url, attempts: attempt } = call;
  deps.log({ event: 'request.start', method, url, attempt });
  const started = deps.clock.now();
  const { url: target, headers, body, timeoutMs, signal } = call;
  const outcome = await performAttempt({
    url: target,
    method,
    headers,
    body,
    timeoutMs,
    signal,
    fetch: deps.fetch,
    maxRedirects: deps.options.maxRedirects ?? 5,
    sensitiveHeaders: SENSITIVE_HEADERS,
  });
  if (outcome.kind !== 'response') return outcome;
  const elapsedMs = deps.clock.now() - started;
  deps.log({ event: 'request.finish', method, url, attempt, status: outcome.status, elapsedMs });
  const safeHeaders = call.redactor.headers(outcome.headers);
  deps.options.onResponse?.({ method, url, status: outcome.status, headers: safeHeaders, attempt });
  noteRemaining(deps, call, outcome.headers);
  return outcome;
}

async function retryOrThrow(deps: Deps, call: Call, outcome: FailedOutcome): Promise<void> {
  const decision = decideFor(deps, call, outcome);
  if (decision.action === 'fail') throw fail(deps, call, { ...decision, outcome });
  const status = outcome.kind === 'response' ? outcome.status : undefined;
  const reason = retryReason(outcome, decision.fromHeader);
  const { method, safeUrl: url, attempts: attempt } = call;
  const { outcome: row, delayMs } = decision;
  deps.log({ event: 'request.retry', method, url, attempt, outcome: row, status, delayMs, reason });
  if (row === '429') pauseBudget(deps, call, delayMs, 'the upstream answered 429');
  try {
    await deps.sleep(delayMs, call.signal);
  } catch (error) {
    if (call.signal.aborted) throw fail(deps, call, { kind: 'cancelled' });
    throw error;
  }
}

function decideFor(deps: Deps, call: Call, outcome: FailedOutcome): ReturnType<typeof decide> {
  const row = classify(outcome, deps.policy);
  if (row !== undefined) call.counts.set(row, (call.counts.get(row) ?? 0) + 1);
  const { policy, random } = deps;
  return decide(outcome, { policy, random, counts: call.counts, attempts: call.attempts, now: deps.clock.now() });
}

function retryReason(outcome: FailedOutcome, fromHeader: boolean): string {
  const wait = fromHeader ? 'waiting as the upstream asked' : 'backing off';
  if (outcome.kind === 'timeout') return `timed out; ${wait}`;
  if (outcome.kind === 'network') return `connection failed; ${wait}`;
  return `status ${outcome.status}; ${wait}`;
}

/** `RateLimit-Remaining: 0` with a reset time: hold every stream sharing the budget until the reset. */
function noteRemaining(deps: Deps, call: Call, headers: Record<string, string>): void {
  if (deps.options.budget === undefined || rateLimitRemaining(headers) !== 0) return;
  const waitMs = rateLimitResetMs(headers, deps.clock.now());
  if (waitMs === undefined || waitMs <= 0) return;
  pauseBudget(deps, call, Math.min(waitMs, deps.policy.maxRetryAfterMs), 'the rate-limit window is used up');
}

function pauseBudget(deps: Deps, call: Call, delayMs: number, reason: string): void {
  const budget = deps.options.budget;
  if (budget === undefined) return;
  const untilMs = deps.clock.now() + delayMs;
  budget.pauseUntil(untilMs);
  deps.log({ event: 'budget.pause', method: call.method, url: call.safeUrl, untilMs, delayMs, reason });
}

function finish<T>(
  deps: Deps,
  call: Call,
  outcome: Extract<AttemptOutcome, { kind: 'response' }>,
): UpstreamResponse<T> {
  let body: unknown = outcome.text;
  if (call.parse === 'json') {
    try {
      body = outcome.text.trim() === '' ? undefined : (JSON.parse(outcome.text) as unknown);
    } catch (error) {
      const parseError = error instanceof Error ? error.message : String(error);
      throw fail(deps, call, { kind: 'bad_response', outcome, parseError });
    }
  }
  const url = call.redactor.url(outcome.url);
  return { status: outcome.status, headers: outcome.headers, body: body as T, url, attempts: call.attempts };
}

type FailureParts = Pick<FailureContext, 'kind'> &
  Partial<Pick<FailureContext, 'outcome' | 'retryAfterMs' | 'overCap' | 'parseError'>>;

function fail(deps: Deps, call: Call, parts: FailureParts): UpstreamError {
  const error = buildFailure({
    ...parts,
    label: deps.label,
    method: call.method,
    url: call.safeUrl,
    attempts: call.attempts,
    redactor: call.redactor,
    timeoutMs: call.timeoutMs,
    maxRetryAfterMs: deps.policy.maxRetryAfterMs,
  });
  const { method, safeUrl: url, attempts } = call;
  const status = error.upstreamStatus;
  deps.log({ event: 'request.fail', method, url, attempts, code: error.code, status, message: error.message });
  return error;
}

/** One signal for the client's and the request's; the listeners go away with the request. */
function linkSignals(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  for (const s of present) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, dispose: () => present.forEach((s) => s.removeEventListener('abort', onAbort)) };
}

function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
