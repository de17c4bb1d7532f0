/** The outcomes a request can be retried on; the policy has one row per outcome. */
export type RetryOutcome = '429' | '5xx' | 'timeout' | 'network';

export const RETRY_OUTCOMES: readonly RetryOutcome[] = ['429', '5xx', 'timeout', 'network'];

/** One row of the table: how often and how long to back off for one outcome. */
export interface BackoffRule {
  /** Attempts that may end in this outcome, the first included; 1 means "never retry". */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Delay before retry n is `min(maxDelayMs, baseDelayMs * factor^(n-1))`, then jittered. */
  readonly factor: number;
  /** full: uniform in [0, d]; equal: uniform in [d/2, d] (never retries at once); none: d. */
  readonly jitter: 'full' | 'equal' | 'none';
  /** Wait as long as `Retry-After` says (seconds or HTTP-date) instead of the computed delay. */
  readonly honourRetryAfter: boolean;
  /** Also honour `RateLimit-Reset` / `X-RateLimit-Reset` (epoch seconds, delta seconds or a date). */
  readonly honourRateLimitReset: boolean;
}

/** The whole retry policy, as data. Connectors override rows with `mergeRetryPolicy`. */
export interface RetryPolicy {
  readonly rules: Readonly<Record<RetryOutcome, BackoffRule>>;
  /** Which statuses are retried, and under which row. Statuses not listed are never retried. */
  readonly statusOutcomes: Readonly<Record<number, RetryOutcome>>;
  /** Error codes (anywhere in the cause chain) that make a failed connection worth retrying. */
  readonly networkCodes: readonly string[];
  /** Error messages that mean the same, for errors without a code. */
  readonly networkMessages: readonly string[];
  /** When the upstream asks for a longer wait than this, give up with a clear error instead. */
  readonly maxRetryAfterMs: number;
  /** A cap on all attempts of one request, whatever mix of outcomes they had. */
  readonly maxTotalAttempts: number;
}

/**
 * 429 backs off even without Retry-After (Harness's Cloud Armor sends none): equal jitter from 2 s
 * doubling to 60 s over 7 attempts waits at least ~61 s in total, so a one-minute window has reset.
 * 401 and 403 are absent on purpose: they are never retried. 408 shares the timeout row.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  rules: Object.freeze({
    '429': rule(7, 2_000, 60_000, 'equal', true, true),
    '5xx': rule(5, 500, 30_000, 'full', true, false),
    timeout: rule(3, 1_000, 10_000, 'full', false, false),
    network: rule(5, 250, 10_000, 'full', false, false),
  }),
  statusOutcomes: Object.freeze({ 408: 'timeout', 429: '429', 500: '5xx', 502: '5xx', 503: '5xx', 504: '5xx' }),
  networkCodes: Object.freeze([
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
  ]),
  networkMessages: Object.freeze(['socket hang up', 'other side closed', 'terminated']),
  maxRetryAfterMs: 5 * 60_000,
  maxTotalAttempts: 10,
} satisfies RetryPolicy);

function rule(
  maxAttempts: number,
  baseDelayMs: number,
  maxDelayMs: number,
  jitter: BackoffRule['jitter'],
  honourRetryAfter: boolean,
  honourRateLimitReset: boolean,
): BackoffRule {
  return Object.freeze({
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    factor: 2,
    jitter,
    honourRetryAfter,
    honourRateLimitReset,
  });
}

/** Per-outcome overrides: only the fields given change. */
export interface RetryPolicyOverrides {
  rules?: Partial<Record<RetryOutcome, Partial<BackoffRule>>>;
  /** Merged into the status table; `null` removes a status (it is then not retried). */
  statusOutcomes?: Readonly<Record<number, RetryOutcome | null>>;
  networkCodes?: readonly string[];
  networkMessages?: readonly string[];
  maxRetryAfterMs?: number;
  maxTotalAttempts?: number;
}

/** A new frozen policy: `base` with `overrides` applied, checked for nonsense values. */
export function mergeRetryPolicy(base: RetryPolicy, overrides: RetryPolicyOverrides = {}): RetryPolicy {
  const rules = {} as Record<RetryOutcome, BackoffRule>;
  for (const outcome of RETRY_OUTCOMES) {
    rules[outcome] = checkRule(outcome, { ...base.rules[outcome], ...overrides.rules?.[outcome] });
  }
  const statusOutcomes: Record<number, RetryOutcome> = { ...base.statusOutcomes };
  for (const [status, outcome] of Object.entries(overrides.statusOutcomes ?? {})) {
    if (outcome === null) delete statusOutcomes[Number(status)];
    else statusOutcomes[Number(status)] = outcome;
  }
  for (const status of [401, 403]) delete statusOutcomes[status]; // never retried, whatever the override
  const policy: RetryPolicy = {
    rules: Object.freeze(rules),
    statusOutcomes: Object.freeze(statusOutcomes),
    networkCodes: Object.freeze([...(overrides.networkCodes ?? base.networkCodes)]),
    networkMessages: Object.freeze([...(overrides.networkMessages ?? base.networkMessages)]),
    maxRetryAfterMs: nonNegative('maxRetryAfterMs', overrides.maxRetryAfterMs ?? base.maxRetryAfterMs),
    maxTotalAttempts: atLeastOne('maxTotalAttempts', overrides.maxTotalAttempts ?? base.maxTotalAttempts),
  };
  return Object.freeze(policy);
}

function checkRule(outcome: RetryOutcome, r: BackoffRule): BackoffRule {
  atLeastOne(`rules.${outcome}.maxAttempts`, r.maxAttempts);
  nonNegative(`rules.${outcome}.baseDelayMs`, r.baseDelayMs);
  nonNegative(`rules.${outcome}.maxDelayMs`, r.maxDelayMs);
  if (!(r.factor >= 1)) throw new RangeError(`rules.${outcome}.factor must be at least 1, got ${r.factor}`);
  return Object.freeze(r);
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

function atLeastOne(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
  return value;
}

/** The jittered delay before retry number `retry` (1 = the first retry); `random` returns [0, 1). */
export function backoffDelay(r: BackoffRule, retry: number, random: () => number): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * r.factor ** Math.max(0, retry - 1));
  switch (r.jitter) {
    case 'full':
      return Math.round(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    case 'none':
      return Math.round(ceiling);
  }
}
