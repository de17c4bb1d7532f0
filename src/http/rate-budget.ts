import type { Clock, Sleep } from './time.js';

export interface RateBudgetOptions {
  /** Requests allowed per interval, e.g. 1000 per 60 000 ms for a Harness API key. */
  requests: number;
  intervalMs: number;
  /**
   * Requests that may go at once after a quiet spell (default 1: evenly spaced). In any interval
   * at most `requests + burst - 1` go out, so leave room below the upstream's limit for the burst.
   */
  burst?: number;
  clock: Clock;
  sleep: Sleep;
}

/** One per integration, shared by all its streams: a token bucket that can be paused. */
export interface RateBudget {
  /** Resolves when this caller may send one request; rejects when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Holds every caller until `epochMs` (the upstream said "no more until then"). Never shortens a pause. */
  pauseUntil(epochMs: number): void;
  /** Until when the budget is paused (0 when it never was). */
  pausedUntil(): number;
}

/**
 * A token bucket kept as one "theoretical arrival time" (GCRA): each caller reserves the next
 * free slot and sleeps until it, so concurrent callers are served in order without a queue.
 * A cancelled caller's slot is not handed back; that only ever errs on the slow side.
 */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const { requests, intervalMs, clock, sleep } = options;
  const burst = options.burst ?? 1;
  if (!(requests > 0) || !(intervalMs > 0) || !(burst >= 1)) {
    throw new RangeError(`A rate budget needs requests > 0, intervalMs > 0 and burst >= 1`);
  }
  const spacing = intervalMs / requests;
  const tolerance = (burst - 1) * spacing;
  let tat = Number.NEGATIVE_INFINITY;
  let paused = 0;

  const acquire = async (signal?: AbortSignal): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      if (paused > now) {
        await sleep(paused - now, signal);
        continue;
      }
      const at = Math.max(now, tat - tolerance);
      tat = Math.max(tat, at) + spacing;
      if (at > now) await sleep(at - now, signal);
      if (paused <= clock.now()) return; // a pause that began while we slept wins
    }
  };

  return {
    acquire,
    pauseUntil: (epochMs) => {
      paused = Math.max(paused, epochMs);
    },
    pausedUntil: () => paused,
  };
}
