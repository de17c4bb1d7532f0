import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { UpstreamCancelledError } from '../../src/http/errors.js';
import { createRateBudget } from '../../src/http/rate-budget.js';
import { endlessSleep, fakeTime, startScriptServer, type ScriptServer } from './helpers.js';

// A failure here shows as a test timeout: each case must end well before the 5 s limit.
describe('cancellation', { timeout: 5_000 }, () => {
  let server: ScriptServer;
  beforeAll(async () => {
    server = await startScriptServer();
  });
  afterAll(() => server.close());

  it('stops a wait for Retry-After at once when the sync is stopped', async () => {
    server.script({ status: 429, headers: { 'retry-after': '120' } });
    const stop = new AbortController();
    const sleeps: number[] = [];
    const http = createHttpClient({
      baseUrl: server.url,
      signal: stop.signal,
      sleep: endlessSleep(sleeps),
      log: (e) => {
        if (e.event === 'request.retry') queueMicrotask(() => stop.abort());
      },
    });
    const err = await http.get('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamCancelledError);
    expect((err as UpstreamCancelledError).code).toBe('upstream_cancelled');
    expect((err as UpstreamCancelledError).attempts).toBe(1);
    expect(sleeps).toEqual([120_000]);
  });

  it('aborts a request in flight', async () => {
    const stop = new AbortController();
    server.fallback(() => {
      stop.abort();
      return { delayMs: 30_000, body: {} };
    });
    const http = createHttpClient({ baseUrl: server.url, ...fakeTime() });
    const err = await http.get('slow', { signal: stop.signal }).catch((e: unknown) => e);
    server.fallback(() => ({ status: 500 }));
    expect(err).toBeInstanceOf(UpstreamCancelledError);
  });

  it('does not start when already cancelled', async () => {
    const before = server.requests.length;
    const http = createHttpClient({ baseUrl: server.url, signal: AbortSignal.abort() });
    await expect(http.get('x')).rejects.toBeInstanceOf(UpstreamCancelledError);
    expect(server.requests.length).toBe(before);
  });

  it('stops waiting for the rate budget', async () => {
    const sleeps: number[] = [];
    const time = fakeTime();
    const budget = createRateBudget({
      requests: 1,
      intervalMs: 60_000,
      clock: time.clock,
      sleep: endlessSleep(sleeps),
    });
    await budget.acquire();
    const stop = new AbortController();
    const http = createHttpClient({ baseUrl: server.url, budget, signal: stop.signal, clock: time.clock });
    const pending = http.get('x').catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await pending).toBeInstanceOf(UpstreamCancelledError);
    expect(sleeps).toEqual([60_000]);
  });
});
