import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import {
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamForbiddenError,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../src/http/errors.js';
import { DEFAULT_RETRY_POLICY } from '../../src/http/retry-policy.js';
import type { HttpClientOptions } from '../../src/http/types.js';
import { fakeTime, sequence, startScriptServer, type FakeTime, type ScriptServer } from './helpers.js';

const failure = (p: Promise<unknown>): Promise<UpstreamError> =>
  p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => {
      if (!(e instanceof UpstreamError)) throw e;
      return e;
    },
  );

describe('http client: retry policy', () => {
  let server: ScriptServer;
  let time: FakeTime;
  beforeAll(async () => {
    server = await startScriptServer();
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
  });

  const client = (extra: HttpClientOptions = {}) => {
    time = fakeTime();
    return createHttpClient({
      baseUrl: server.url,
      clock: time.clock,
      sleep: time.sleep,
      upstream: 'Harness',
      ...extra,
    });
  };

  it('waits as long as Retry-After says, in seconds', async () => {
    server.script({ status: 429, headers: { 'retry-after': '7' } }, { body: { ok: 1 } });
    const res = await client().get('x');
    expect(res.attempts).toBe(2);
    expect(time.sleeps).toEqual([7000]);
  });

  it('waits until a Retry-After HTTP-date', async () => {
    const http = client();
    const at = new Date(time.clock.now() + 12_000).toUTCString();
    server.script({ status: 429, headers: { 'retry-after': at } }, { body: { ok: 1 } });
    await http.get('x');
    expect(time.sleeps).toEqual([12_000]);
  });

  it('waits for a rate-limit reset (epoch seconds) when there is no Retry-After', async () => {
    const http = client();
    const reset = String(time.clock.now() / 1000 + 30);
    server.script({ status: 429, headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': reset } }, { body: {} });
    await http.get('x');
    expect(time.sleeps).toEqual([30_000]);
  });

  it('backs off exponentially with equal jitter on a 429 without Retry-After (Cloud Armor)', async () => {
    const rule = DEFAULT_RETRY_POLICY.rules['429'];
    for (const random of [0, 0.999999]) {
      server.script(...Array.from({ length: 4 }, () => ({ status: 429 })), { body: {} });
      await client({ random: () => random }).get('x');
      time.sleeps.forEach((ms, i) => {
        const ceiling = Math.min(rule.maxDelayMs, rule.baseDelayMs * rule.factor ** i);
        expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
        expect(ms).toBeLessThanOrEqual(ceiling);
      });
    }
    expect(time.sleeps).toEqual([2000, 4000, 8000, 16000]);
  });

  it('gives up with UpstreamRateLimitedError when Retry-After is over the cap', async () => {
    server.script({ status: 429, headers: { 'retry-after': '3600' }, body: { message: 'slow down' } });
    const err = await failure(client().get('x'));
    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect(err.code).toBe('upstream_rate_limited');
    expect(err.retryAfterMs).toBe(3_600_000);
    expect(err.attempts).toBe(1);
    expect(err.message).toMatch(/asked to wait 3600 s, longer than the 300 s/);
    expect(err.headers).toEqual({ 'retry-after': '3600' });
    expect(time.sleeps).toEqual([]);
  });

  it('lets a connector raise the cap and the attempts per outcome', async () => {
    server.script({ status: 429, headers: { 'retry-after': '600' } }, { status: 429 }, { status: 429 });
    const http = client({ retry: { maxRetryAfterMs: 900_000, rules: { '429': { maxAttempts: 3, jitter: 'none' } } } });
    const err = await failure(http.get('x'));
    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect(err.attempts).toBe(3);
    expect(time.sleeps).toEqual([600_000, 4000]);
  });

  it('rides out a 5xx storm', async () => {
    server.script({ status: 502 }, { status: 503 }, { status: 500 }, { body: { ok: true } });
    const res = await client({ random: sequence(0.5) }).get('x');
    expect(res.attempts).toBe(4);
    expect(time.sleeps).toEqual([250, 500, 1000]);
  });

  it('gives up on endless 5xx with UpstreamUnavailableError, the attempts and the body', async () => {
    server.fallback(() => ({ status: 503, body: { message: 'maintenance' } }));
    const err = await failure(client().get('x'));
    server.fallback(() => ({ status: 500 }));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err.attempts).toBe(DEFAULT_RETRY_POLICY.rules['5xx'].maxAttempts);
    expect(server.requests).toHaveLength(err.attempts);
    expect(err.upstreamStatus).toBe(503);
    expect(err.status).toBe(502);
    expect(err.upstreamMessage).toBe('maintenance');
    expect(err.message).toContain('after 5 attempts');
  });

  it('never retries 401 and carries the upstream message', async () => {
    server.script({ status: 401, body: { code: 'INVALID_TOKEN', message: 'Token is not valid.' } });
    const err = await failure(client().get('ng/api/pipelines'));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(err.code).toBe('upstream_unauthorized');
    expect(err.status).toBe(502);
    expect(err.upstreamStatus).toBe(401);
    expect(err.attempts).toBe(1);
    expect(err.body).toEqual({ code: 'INVALID_TOKEN', message: 'Token is not valid.' });
    expect(err.message).toContain('Harness answered 401 Unauthorized to GET');
    expect(err.message).toContain('Token is not valid.');
    expect(server.requests).toHaveLength(1);
  });

  it('never retries 403, even when a connector lists it', async () => {
    server.script({ status: 403, body: { errorMessages: ['You do not have permission.'] } });
    const err = await failure(client({ retry: { statusOutcomes: { 403: '5xx' } } }).get('x'));
    expect(err).toBeInstanceOf(UpstreamForbiddenError);
    expect(err.code).toBe('upstream_forbidden');
    expect(err.upstreamMessage).toBe('You do not have permission.');
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry other 4xx, but retries 408', async () => {
    server.script({ status: 404, body: { message: '404 Project Not Found' } });
    const err = await failure(client().get('x'));
    expect(err).toBeInstanceOf(UpstreamHttpError);
    expect(err.upstreamStatus).toBe(404);
    expect(err.upstreamMessage).toBe('404 Project Not Found');
    server.script({ status: 408 }, { body: {} });
    expect((await client().get('x')).attempts).toBe(2);
  });

  it('retries a timeout, then gives up with UpstreamTimeoutError', async () => {
    server.fallback(() => ({ delayMs: 5_000, body: {} }));
    const err = await failure(client({ timeoutMs: 50 }).get('slow'));
    server.fallback(() => ({ status: 500 }));
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err.status).toBe(504);
    expect(err.attempts).toBe(3);
    expect(err.message).toContain('within 50 ms');
    expect(time.sleeps).toHaveLength(2);
  });

  it('recovers when the first attempt times out', async () => {
    server.script({ delayMs: 5_000, body: { late: true } }, { body: { late: false } });
    const res = await client({ timeoutMs: 50 }).get<{ late: boolean }>('x');
    expect(res.body.late).toBe(false);
    expect(res.attempts).toBe(2);
  });

  it('retries a dropped connection and a body cut short', async () => {
    server.script({ drop: true }, { body: '{"items":[1,2,3]}', cutBody: true }, { body: { items: [] } });
    const events: string[] = [];
    const res = await client({ log: (e) => events.push(e.event) }).get('x');
    expect(res.attempts).toBe(3);
    expect(events.filter((e) => e === 'request.retry')).toHaveLength(2);
  });

  it('gives up on a refused connection with UpstreamNetworkError', async () => {
    const closed = await startScriptServer();
    await closed.close();
    const http = createHttpClient({ ...fakeTime(), retry: { rules: { network: { maxAttempts: 2 } } } });
    const err = await failure(http.get(`${closed.url}/x`));
    expect(err).toBeInstanceOf(UpstreamNetworkError);
    expect(err.attempts).toBe(2);
    expect(err.message).toContain('ECONNREFUSED');
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('rejects truncated JSON in a 200 with UpstreamBadResponseError', async () => {
    server.script({ body: '{"items":[{"id":1},{"id"', headers: { 'content-type': 'application/json' } });
    const err = await failure(client().get('x'));
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    expect(err.code).toBe('upstream_bad_response');
    expect(err.upstreamStatus).toBe(200);
    expect(err.bodySnippet).toBe('{"items":[{"id":1},{"id"');
    expect(err.attempts).toBe(1);
  });

  it('keeps the body snippet short', async () => {
    server.script({ status: 400, body: 'x'.repeat(5_000) });
    const err = await failure(client().get('x'));
    expect(err.bodySnippet?.length).toBeLessThanOrEqual(501);
    expect(err.body).toBeUndefined();
  });
});
