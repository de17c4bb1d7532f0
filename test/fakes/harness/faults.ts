// Fault injection, all deterministic (counters and the fake's clock; no randomness):
// latency, queued failures (429/5xx, with or without Retry-After), a 429 on every Nth request,
// a real per-key requests-per-minute limit, and truncated bodies.

import { faultError, type HarnessHttpError } from './errors.js';

export interface FaultSpec {
  /** 429, 500, 502, 503, 504, ... (500 is Harness JSON; the others come from the edge as HTML). */
  status: number;
  /** Sends Retry-After when set; Harness does not promise one, so the default is none. */
  retryAfterSeconds?: number;
  /** Only requests whose path contains this string are failed (and counted). */
  pathIncludes?: string;
}

export interface RateLimitRule {
  /** Every Nth request (counting all requests since the rule was set) gets a 429. */
  everyNth: number;
  retryAfterSeconds?: number;
}

export type TruncateMode = 'json' | 'socket';

export interface FaultOptions {
  latencyMs?: number;
  rateLimit?: RateLimitRule | null;
  /** Requests per API key per minute of the fake's clock (Harness documents 1,000). */
  rateLimitPerMinute?: number;
  /** Whether the per-key limit sends Retry-After (seconds to the next minute); default false. */
  rateLimitRetryAfter?: boolean;
  /** Failures queued from the start, as if `failNext` had been called for each entry. */
  failNext?: { count: number; fault: FaultSpec }[];
  /** Successful bodies to truncate from the start, as if `truncateNext` had been called. */
  truncateNext?: { count: number; mode?: TruncateMode };
}

export interface FaultController {
  latencyMs(): number;
  setLatency(ms: number): void;
  failNext(count: number, fault: FaultSpec): void;
  setRateLimit(rule: RateLimitRule | null): void;
  setRateLimitPerMinute(limit: number, sendRetryAfter?: boolean): void;
  truncateNext(count: number, mode: TruncateMode): void;
  clear(): void;
  /** The error to answer instead of routing the request, if any. */
  before(path: string, apiKey: string, now: number): HarnessHttpError | undefined;
  /** Whether this successful body should be cut short, and how. */
  takeTruncation(): TruncateMode | undefined;
}

export function createFaults(options: FaultOptions): FaultController {
  let latency = options.latencyMs ?? 0;
  let queue: { remaining: number; fault: FaultSpec }[] = (options.failNext ?? []).map(({ count, fault }) => ({
    remaining: count,
    fault,
  }));
  let rule = options.rateLimit ?? null;
  let counter = 0;
  const limiter = createPerKeyLimiter(options.rateLimitPerMinute ?? 1000, options.rateLimitRetryAfter ?? false);
  let truncations: TruncateMode[] = Array.from(
    { length: options.truncateNext?.count ?? 0 },
    () => options.truncateNext?.mode ?? 'json',
  );

  const queued = (path: string): HarnessHttpError | undefined => {
    const entry = queue.find((q) => q.remaining > 0 && (!q.fault.pathIncludes || path.includes(q.fault.pathIncludes)));
    if (!entry) return undefined;
    entry.remaining--;
    queue = queue.filter((q) => q.remaining > 0);
    return faultError(entry.fault.status, entry.fault.retryAfterSeconds);
  };
  const everyNth = (): HarnessHttpError | undefined => {
    if (!rule) return undefined;
    counter++;
    return counter % rule.everyNth === 0 ? faultError(429, rule.retryAfterSeconds) : undefined;
  };

  return {
    latencyMs: () => latency,
    setLatency: (ms) => (latency = ms),
    failNext: (count, fault) => queue.push({ remaining: count, fault }),
    setRateLimit(next) {
      if (next && (!Number.isInteger(next.everyNth) || next.everyNth < 1)) throw new Error('everyNth must be >= 1');
      rule = next;
      counter = 0;
    },
    setRateLimitPerMinute: (limit, sendRetryAfter) => limiter.configure(limit, sendRetryAfter),
    truncateNext: (count, mode) => truncations.push(...Array.from({ length: count }, () => mode)),
    clear() {
      latency = 0;
      queue = [];
      rule = null;
      truncations = [];
      limiter.reset();
    },
    before(path, apiKey, now) {
      const nth = everyNth(); // counts every request, including ones another fault answers
      return queued(path) ?? nth ?? limiter.check(apiKey, now);
    },
    takeTruncation: () => truncations.shift(),
  };
}

interface PerKeyLimiter {
  configure(limit: number, sendRetryAfter?: boolean): void;
  reset(): void;
  check(apiKey: string, now: number): HarnessHttpError | undefined;
}

/** Fixed one-minute windows per raw `x-api-key` value (the edge counts before it knows whether a key is valid). */
function createPerKeyLimiter(initialLimit: number, initialRetryAfter: boolean): PerKeyLimiter {
  let limit = initialLimit;
  let retryAfter = initialRetryAfter;
  let windows = new Map<string, { minute: number; count: number }>();
  return {
    configure(next, sendRetryAfter = retryAfter) {
      limit = next;
      retryAfter = sendRetryAfter;
      windows = new Map();
    },
    reset: () => (windows = new Map()),
    check(apiKey, now) {
      const minute = Math.floor(now / 60_000);
      const window = windows.get(apiKey);
      const current = window && window.minute === minute ? window : { minute, count: 0 };
      current.count++;
      windows.set(apiKey, current);
      if (current.count <= limit) return undefined;
      const seconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
      return faultError(429, retryAfter ? seconds : undefined);
    },
  };
}
