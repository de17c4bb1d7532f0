import { describe, expect, it } from 'vitest';
import { rateLimitRemaining, rateLimitResetMs, retryAfterMs } from '../../src/http/rate-headers.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, mergeRetryPolicy } from '../../src/http/retry-policy.js';

const NOW = Date.UTC(2025, 0, 1);

describe('retry policy as data', () => {
  it('never lists 401 or 403, and retries 408, 429 and the four 5xx', () => {
    expect(Object.keys(DEFAULT_RETRY_POLICY.statusOutcomes).map(Number)).toEqual([408, 429, 500, 502, 503, 504]);
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY.rules['429'])).toBe(true);
  });

  it('merges per-outcome overrides and keeps the rest', () => {
    const p = mergeRetryPolicy(DEFAULT_RETRY_POLICY, {
      rules: { '5xx': { maxAttempts: 2 } },
      statusOutcomes: { 520: '5xx', 504: null, 401: '5xx' },
    });
    expect(p.rules['5xx']).toEqual({ ...DEFAULT_RETRY_POLICY.rules['5xx'], maxAttempts: 2 });
    expect(p.rules['429']).toEqual(DEFAULT_RETRY_POLICY.rules['429']);
    expect(p.statusOutcomes[520]).toBe('5xx');
    expect(p.statusOutcomes[504]).toBeUndefined();
    expect(p.statusOutcomes[401]).toBeUndefined();
  });

  it('rejects nonsense with the name of the field', () => {
    expect(() => mergeRetryPolicy(DEFAULT_RETRY_POLICY, { rules: { timeout: { maxAttempts: 0 } } })).toThrow(
      /rules\.timeout\.maxAttempts/,
    );
    expect(() => mergeRetryPolicy(DEFAULT_RETRY_POLICY, { maxRetryAfterMs: -1 })).toThrow(/maxRetryAfterMs/);
  });

  it('computes full, equal and no jitter within the ceiling', () => {
    const base = { ...DEFAULT_RETRY_POLICY.rules['5xx'], baseDelayMs: 100, maxDelayMs: 1_000, factor: 2 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay({ ...base, jitter: 'none' }, n, () => 0))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(backoffDelay({ ...base, jitter: 'full' }, 3, () => 0.25)).toBe(100);
    expect(backoffDelay({ ...base, jitter: 'equal' }, 3, () => 0)).toBe(200);
    expect(backoffDelay({ ...base, jitter: 'equal' }, 3, () => 0.5)).toBe(300);
  });
});

describe('rate-limit headers', () => {
  it('reads Retry-After as seconds or an HTTP-date', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, NOW)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': new Date(NOW + 5000).toUTCString() }, NOW)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(retryAfterMs({}, NOW)).toBeUndefined();
  });

  it('reads a reset as epoch seconds, epoch ms, delta seconds or an ISO date', () => {
    expect(rateLimitResetMs({ 'ratelimit-reset': String(NOW / 1000 + 60) }, NOW)).toBe(60_000);
    expect(rateLimitResetMs({ 'x-ratelimit-reset': String(NOW + 1500) }, NOW)).toBe(1500);
    expect(rateLimitResetMs({ 'ratelimit-reset': '30' }, NOW)).toBe(30_000);
    expect(rateLimitResetMs({ 'x-ratelimit-reset': new Date(NOW + 9000).toISOString() }, NOW)).toBe(9000);
    expect(rateLimitRemaining({ 'x-ratelimit-remaining': '0' })).toBe(0);
    expect(rateLimitRemaining({})).toBeUndefined();
  });
});
