// Fault injection, all deterministic (counters and the fake's clock; no randomness): the shared latency,
// queued failures and truncations (../common/faults.ts) with Harness's answers (500 is an ErrorDTO; 429,
// 502, 503 and 504 come from the edge as HTML), plus a 429 on every Nth request and a real per-key
// requests-per-minute limit.

import type { HttpError } from '../common/errors.js';
import {
  createFaultQueue,
  createMinuteWindows,
  type FaultQueue,
  type QueuedFaultOptions,
  type TruncateMode,
} from '../common/faults.js';
import { faultError } from './errors.js';

export interface RateLimitRule {
  /** Every Nth request (counting all requests since the rule was set) gets a 429. */
  everyNth: number;
  retryAfterSeconds?: number;
}

export interface FaultOptions extends QueuedFaultOptions {
  rateLimit?: RateLimitRule | null;
  /** Requests per API key per minute of the fake's clock (Harness documents 1,000). */
  rateLimitPerMinute?: number;
  /** Whether the per-key limit sends Retry-After (seconds to the next minute); default false. */
  rateLimitRetryAfter?: boolean;
  /** Successful bodies to truncate from the start, as if `truncateNext` had been called. */
  truncateNext?: { count: number; mode?: TruncateMode };
}

export interface FaultController extends Omit<FaultQueue<HttpError>, 'take'> {
  setRateLimit(rule: RateLimitRule | null): void;
  setRateLimitPerMinute(limit: number, sendRetryAfter?: boolean): void;
  /** The error to answer instead of routing the request, if any. */
  before(path: string, apiKey: string, now: number): HttpError | undefined;
}

export function createFaults(options: FaultOptions): FaultController {
  const queue = createFaultQueue(options, (fault) => faultError(fault.status, fault.retryAfterSeconds));
  if (options.truncateNext) queue.truncateNext(options.truncateNext.count, options.truncateNext.mode ?? 'json');
  let rule = options.rateLimit ?? null;
  let counter = 0;
  const limiter = createPerKeyLimiter(options.rateLimitPerMinute ?? 1000, options.rateLimitRetryAfter ?? false);

  const everyNth = (): HttpError | undefined => {
    if (!rule) return undefined;
    counter++;
    return counter % rule.everyNth === 0 ? faultError(429, rule.retryAfterSeconds) : undefined;
  };

  return {
    latencyMs: () => queue.latencyMs(),
    setLatency: (ms) => queue.setLatency(ms),
    failNext: (count, fault) => queue.failNext(count, fault),
    setRateLimit(next) {
      if (next && (!Number.isInteger(next.everyNth) || next.everyNth < 1)) throw new Error('everyNth must be >= 1');
      rule = next;
      counter = 0;
    },
    setRateLimitPerMinute: (limit, sendRetryAfter) => limiter.configure(limit, sendRetryAfter),
    truncateNext: (count, mode) => queue.truncateNext(count, mode),
    clear() {
      queue.clear();
      rule = null;
      limiter.reset();
    },
    before(path, apiKey, now) {
      const nth = everyNth(); // counts every request, including ones another fault answers
      return queue.take(path) ?? nth ?? limiter.check(apiKey, now);
    },
    takeTruncation: () => queue.takeTruncation(),
  };
}

interface PerKeyLimiter {
  configure(limit: number, sendRetryAfter?: boolean): void;
  reset(): void;
  check(apiKey: string, now: number): HttpError | undefined;
}

/** Fixed one-minute windows per raw `x-api-key` value (the edge counts before it knows whether a key is valid). */
function createPerKeyLimiter(initialLimit: number, initialRetryAfter: boolean): PerKeyLimiter {
  let limit = initialLimit;
  let retryAfter = initialRetryAfter;
  const windows = createMinuteWindows();
  return {
    configure(next, sendRetryAfter = retryAfter) {
      limit = next;
      retryAfter = sendRetryAfter;
      windows.reset();
    },
    reset: () => windows.reset(),
    check(apiKey, now) {
      const { count, retryAfterSeconds } = windows.hit(apiKey, now);
      if (count <= limit) return undefined;
      return faultError(429, retryAfter ? retryAfterSeconds : undefined);
    },
  };
}
