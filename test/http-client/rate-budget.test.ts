import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { createRateBudget, type RateBudget } from '../../src/http/rate-budget.js';
import type { HttpLogEvent } from '../../src/http/types.js';
import { fakeTime, startScriptServer, type FakeTime, type ScriptServer } from './helpers.js';

/** Wraps a budget to record the (virtual) time of every grant and who got it. */
function recording(budget: RateBudget, time: FakeTime, grants: [string, number][], who: string) {
  return async () => {
    await budget.acquire();
    grants.push([who, time.clock.now()]);
  };
}

describe('rate budget', () => {
  it('spaces requests evenly after the burst', async () => {
    const time = fakeTime();
    const budget = createRateBudget({ requests: 1000, intervalMs: 60_000, burst: 3, ...time });
    for (let i = 0; i < 6; i++) await budget.acquire();
    expect(time.sleeps).toEqual([60, 60, 60]);
  });

  it('is shared: two concurrent streams together stay within the rate', async () => {
    const time = fakeTime();
    const start = time.clock.now();
    const budget = createRateBudget({ requests: 10, intervalMs: 1_000, ...time });
    const grants: [string, number][] = [];
    const stream = async (who: string) => {
      const take = recording(budget, time, grants, who);
      for (let i = 0; i < 5; i++) await take();
    };
    await Promise.all([stream('a'), stream('b')]);
    expect(grants.map(([, at]) => at - start)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(grants.filter(([who]) => who === 'a')).toHaveLength(5);
    expect(new Set(grants.slice(0, 4).map(([who]) => who))).toEqual(new Set(['a', 'b']));
  });

  it('holds every caller during a pause, and a pause never shrinks', async () => {
    const time = fakeTime();
    const start = time.clock.now();
    const budget = createRateBudget({ requests: 100, intervalMs: 1_000, burst: 5, ...time });
    budget.pauseUntil(start + 30_000);
    budget.pauseUntil(start + 10_000);
    const grants: [string, number][] = [];
    await Promise.all(['a', 'b'].map((who) => recording(budget, time, grants, who)()));
    expect(grants.map(([, at]) => at - start)).toEqual([30_000, 30_000]);
  });

  it('rejects nonsense', () => {
    const time = fakeTime();
    expect(() => createRateBudget({ requests: 0, intervalMs: 1_000, ...time })).toThrow(RangeError);
  });
});

describe('rate budget in the client', () => {
  let server: ScriptServer;
  beforeAll(async () => {
    server = await startScriptServer();
  });
  afterAll(() => server.close());

  it('paces two concurrent streams of one integration through one budget', async () => {
    server.fallback(() => ({ body: [] }));
    const time = fakeTime();
    const start = time.clock.now();
    const budget = createRateBudget({ requests: 5, intervalMs: 1_000, ...time });
    const grants: [string, number][] = [];
    const shared: RateBudget = {
      ...budget,
      acquire: async (signal) => {
        await budget.acquire(signal);
        grants.push(['', time.clock.now() - start]);
      },
    };
    const http = createHttpClient({ baseUrl: server.url, ...time, budget: shared });
    const stream = async (path: string) => {
      for (let i = 0; i < 3; i++) await http.get(path);
    };
    await Promise.all([stream('pipelines'), stream('executions')]);
    const at = grants.map(([, ms]) => ms).sort((a, b) => a - b);
    expect(at).toHaveLength(6);
    at.slice(1).forEach((ms, i) => expect(ms - (at[i] ?? 0)).toBeGreaterThanOrEqual(200));
    expect(server.requests.filter((r) => r.url === '/pipelines')).toHaveLength(3);
    expect(server.requests.filter((r) => r.url === '/executions')).toHaveLength(3);
  });

  it('pauses the whole budget on 429 and when RateLimit-Remaining reaches 0', async () => {
    const time = fakeTime();
    const start = time.clock.now();
    const budget = createRateBudget({ requests: 1000, intervalMs: 60_000, burst: 10, ...time });
    const events: HttpLogEvent[] = [];
    const http = createHttpClient({ baseUrl: server.url, ...time, budget, log: (e) => events.push(e) });
    const reset = String(Math.round((start + 45_000) / 1000));
    server.script({ status: 429, headers: { 'retry-after': '20' } }, { body: [] });
    await http.get('a');
    expect(budget.pausedUntil()).toBe(start + 20_000);
    server.script({ body: [], headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': reset } }, { body: [] });
    await http.get('b');
    expect(budget.pausedUntil()).toBe(start + 45_000);
    await http.get('c');
    expect(time.clock.now()).toBeGreaterThanOrEqual(start + 45_000);
    expect(events.filter((e) => e.event === 'budget.pause')).toHaveLength(2);
  });
});
