// The fault plumbing both fakes share, deterministic (counters only): latency, queued failures
// (`failNext`, optionally limited to paths containing a string) and truncated bodies (`truncateNext`).
// Each fake decides what a failure looks like (its faults.ts) and adds its own rate limits.

export interface FaultSpec {
  /** The status to answer; each fake renders the body its upstream (or the edge in front of it) sends. */
  status: number;
  /** Sends Retry-After (seconds) when set; the default is none. */
  retryAfterSeconds?: number;
  /** Only requests whose path contains this string fail (and count). */
  pathIncludes?: string;
}

/** 'json': a short but complete response; 'socket': the connection drops mid-body. */
export type TruncateMode = 'json' | 'socket';

export interface QueuedFaultOptions {
  latencyMs?: number;
  /** Failures queued from the start, as if `failNext` had been called for each entry. */
  failNext?: { count: number; fault: FaultSpec }[];
}

export interface FaultQueue<E> {
  latencyMs(): number;
  setLatency(ms: number): void;
  failNext(count: number, fault: FaultSpec): void;
  truncateNext(count: number, mode: TruncateMode): void;
  /** Drops the latency, the queued failures and the queued truncations. */
  clear(): void;
  /** The error to answer instead of routing this request, if a failure is queued for its path. */
  take(path: string): E | undefined;
  /** Whether this successful body should be cut short, and how. */
  takeTruncation(): TruncateMode | undefined;
}

export function createFaultQueue<E>(options: QueuedFaultOptions, toError: (fault: FaultSpec) => E): FaultQueue<E> {
  let latency = options.latencyMs ?? 0;
  let queue = (options.failNext ?? []).map(({ count, fault }) => ({ remaining: count, fault }));
  let truncations: TruncateMode[] = [];
  return {
    latencyMs: () => latency,
    setLatency: (ms) => (latency = ms),
    failNext: (count, fault) => queue.push({ remaining: count, fault }),
    truncateNext: (count, mode) => truncations.push(...Array.from({ length: count }, () => mode)),
    clear() {
      latency = 0;
      queue = [];
      truncations = [];
    },
    take(path) {
      const entry = queue.find(
        (q) => q.remaining > 0 && (!q.fault.pathIncludes || path.includes(q.fault.pathIncludes)),
      );
      if (!entry) return undefined;
      entry.remaining--;
      queue = queue.filter((q) => q.remaining > 0);
      return toError(entry.fault);
    },
    takeTruncation: () => truncations.shift(),
  };
}

/** Fixed one-minute windows on a fake's clock, one request counter per key. */
export interface MinuteWindows {
  /** Counts a request: how many the key has made this minute, and the seconds until the next minute (at least 1). */
  hit(key: string, now: number): { count: number; resetAt: number; retryAfterSeconds: number };
  reset(): void;
}

export function createMinuteWindows(): MinuteWindows {
  let windows = new Map<string, { minute: number; count: number }>();
  return {
    hit(key, now) {
      const minute = Math.floor(now / 60_000);
      const current = windows.get(key);
      const window = current && current.minute === minute ? current : { minute, count: 0 };
      window.count++;
      windows.set(key, window);
      const resetAt = (minute + 1) * 60_000;
      return { count: window.count, resetAt, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
    },
    reset: () => (windows = new Map()),
  };
}
