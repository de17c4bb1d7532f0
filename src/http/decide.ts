import type { AttemptOutcome } from './attempt.js';
import { rateLimitRemaining, rateLimitResetMs, retryAfterMs, type HeaderRecord } from './rate-headers.js';
import { backoffDelay, type BackoffRule, type RetryOutcome, type RetryPolicy } from './retry-policy.js';

/** How a request ended for good; each kind is one error class. */
export type FailureKind =
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'http'
  | 'bad_response'
  | 'cancelled';

export type FailedOutcome = Exclude<AttemptOutcome, { kind: 'cancelled' }>;

export type Decision =
  | { action: 'retry'; outcome: RetryOutcome; delayMs: number; fromHeader: boolean }
  | { action: 'fail'; kind: FailureKind; retryAfterMs?: number; overCap?: boolean };

export interface DecideContext {
  policy: RetryPolicy;
  /** Attempts so far that ended in each outcome, this one included. */
  counts: ReadonlyMap<RetryOutcome, number>;
  attempts: number;
  now: number;
  random: () => number;
}

const EXHAUSTED: Readonly<Record<RetryOutcome, FailureKind>> = {
  '429': 'rate_limited',
  '5xx': 'unavailable',
  timeout: 'timeout',
  network: 'network',
};

/** Which row of the policy an outcome falls under; undefined means "do not retry". */
export function classify(outcome: FailedOutcome, policy: RetryPolicy): RetryOutcome | undefined {
  if (outcome.kind === 'timeout') return 'timeout';
  if (outcome.kind === 'response') return policy.statusOutcomes[outcome.status];
  return isTransientNetworkError(outcome.error, policy) ? 'network' : undefined;
}

/** Retry (after how long) or give up (as what), for one failed attempt. */
export function decide(outcome: FailedOutcome, ctx: DecideContext): Decision {
  const row = classify(outcome, ctx.policy);
  if (row === undefined) return { action: 'fail', kind: finalKind(outcome) };
  const rule = ctx.policy.rules[row];
  const count = ctx.counts.get(row) ?? 1;
  const waited = outcome.kind === 'response' ? headerWait(outcome.headers, rule, ctx.now) : undefined;
  if (waited !== undefined && waited > ctx.policy.maxRetryAfterMs) {
    return { action: 'fail', kind: EXHAUSTED[row], retryAfterMs: waited, overCap: true };
  }
  if (count >= rule.maxAttempts || ctx.attempts >= ctx.policy.maxTotalAttempts) {
    return { action: 'fail', kind: EXHAUSTED[row], ...(waited === undefined ? {} : { retryAfterMs: waited }) };
  }
  const delayMs = waited ?? backoffDelay(rule, count, ctx.random);
  return { action: 'retry', outcome: row, delayMs, fromHeader: waited !== undefined };
}

/** The wait the upstream asked for, when the rule honours it. */
function headerWait(headers: HeaderRecord, rule: BackoffRule, now: number): number | undefined {
  const retryAfter = rule.honourRetryAfter ? retryAfterMs(headers, now) : undefined;
  if (retryAfter !== undefined || !rule.honourRateLimitReset) return retryAfter;
  const remaining = rateLimitRemaining(headers);
  return remaining === undefined || remaining === 0 ? rateLimitResetMs(headers, now) : undefined;
}

function finalKind(outcome: FailedOutcome): FailureKind {
  if (outcome.kind === 'timeout') return 'timeout';
  if (outcome.kind === 'network') return 'network';
  if (outcome.status === 401) return 'unauthorized';
  if (outcome.status === 403) return 'forbidden';
  if (outcome.status === 429) return 'rate_limited';
  return outcome.status >= 500 ? 'unavailable' : 'http';
}

/** Looks through the cause chain (fetch wraps the socket error) for a known code or message. */
export function isTransientNetworkError(error: unknown, policy: RetryPolicy): boolean {
  const messages = policy.networkMessages.map((m) => m.toLowerCase());
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && policy.networkCodes.includes(code)) return true;
    if (typeof message === 'string' && messages.some((m) => message.toLowerCase().includes(m))) return true;
  }
  return false;
}

/** The first error code in the cause chain, for messages and logs. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string') return code;
  }
  return undefined;
}
