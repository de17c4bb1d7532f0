import { setTimeout as delay } from 'node:timers/promises';

/** Where the client reads the time; tests pass a virtual one. */
export interface Clock {
  now(): number;
}

/** Waits `ms`; rejects with the signal's reason when the signal aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The wall clock. */
export function systemClock(): Clock {
  return { now: () => Date.now() };
}

/** A real, cancellable sleep on Node's timers. */
export function systemSleep(): Sleep {
  return async (ms, signal) => {
    await delay(Math.max(0, ms), undefined, { signal });
  };
}
