// Fault injection, deterministic (counters only): latency, queued failures (429 with or without
// Retry-After, 500, 502/503/504 from the load balancer) optionally limited to paths containing a string,
// and truncated bodies.

import { gatewayError, GitLabHttpError, retryLater, serverError } from './errors.js';

export interface FaultSpec {
  status: number;
  /** Sends Retry-After (seconds) when set. */
  retryAfterSeconds?: number;
  /** Only requests whose path contains this string fail (and count). */
  pathIncludes?: string;
}

export type TruncateMode = 'json' | 'socket';

export interface FaultOptions {
  latencyMs?: number;
  failNext?: { count: number; fault: FaultSpec }[];
}

export interface FaultController {
  latencyMs(): number;
  setLatency(ms: number): void;
  failNext(count: number, fault: FaultSpec): void;
  truncateNext(count: number, mode: TruncateMode): void;
  clear(): void;
  /** The error to answer instead of routing this request, if one is queued for it. */
  take(path: string): GitLabHttpError | undefined;
  takeTruncation(): TruncateMode | undefined;
}

export function faultError(fault: FaultSpec): GitLabHttpError {
  const retry: Record<string, string> =
    fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
  const err =
    fault.status === 429
      ? retryLater(retry)
      : fault.status === 500
        ? serverError()
        : fault.status >= 502
          ? gatewayError(fault.status)
          : new GitLabHttpError(fault.status, { message: `${fault.status}` });
  Object.assign(err.headers, retry);
  return err;
}

export function createFaults(options: FaultOptions): FaultController {
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
      return faultError(entry.fault);
    },
    takeTruncation: () => truncations.shift(),
  };
}
