// A fake's own clock. 'manual' stands still until `advance`; 'wall' follows real time from the start
// value (for `sei demo`), and `advance` still jumps it forward.

export type ClockMode = 'manual' | 'wall';

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function createClock(mode: ClockMode, start: number, wallNow: () => number = Date.now): FakeClock {
  let offset = 0;
  const wallStart = wallNow();
  return {
    now: () => start + offset + (mode === 'wall' ? wallNow() - wallStart : 0),
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error('the clock only moves forward');
      offset += ms;
    },
  };
}
