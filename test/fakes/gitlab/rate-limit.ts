// GitLab's user and IP rate limits (Rack::Attack, administration/settings/user_and_ip_rate_limits.md):
// fixed one-minute windows on the fake's clock, per user when the token is valid
// (`throttle_authenticated_api`) and per client otherwise (`throttle_unauthenticated_api`). Every API
// response carries the RateLimit-* headers; over the limit the answer is 429 text/plain "Retry later"
// with Retry-After and RateLimit-ResetTime.

import { createMinuteWindows } from '../common/faults.js';
import { httpDate } from './time.js';

export interface RateLimitOptions {
  /** Requests per minute per user (default 2000, GitLab.com's authenticated API limit). */
  rateLimitPerMinute?: number;
  /** Requests per minute per client without a valid token (default 500). */
  unauthenticatedRateLimitPerMinute?: number;
}

export interface RateCheck {
  headers: Record<string, string>;
  limited: boolean;
}

export interface RateLimiter {
  setLimit(perMinute: number, unauthenticated?: number): void;
  reset(): void;
  hit(key: string | null, now: number): RateCheck;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  let limit = options.rateLimitPerMinute ?? 2000;
  let anonymous = options.unauthenticatedRateLimitPerMinute ?? 500;
  const windows = createMinuteWindows();
  return {
    setLimit(perMinute, unauthenticated = anonymous) {
      limit = perMinute;
      anonymous = unauthenticated;
      windows.reset();
    },
    reset: () => windows.reset(),
    hit(key, now) {
      const max = key ? limit : anonymous;
      const { count, resetAt, retryAfterSeconds } = windows.hit(key ?? 'anonymous', now);
      const headers: Record<string, string> = {
        'RateLimit-Limit': String(max),
        'RateLimit-Name': key ? 'throttle_authenticated_api' : 'throttle_unauthenticated_api',
        'RateLimit-Observed': String(count),
        'RateLimit-Remaining': String(Math.max(0, max - count)),
        'RateLimit-Reset': String(Math.floor(resetAt / 1000)),
      };
      if (count <= max) return { headers, limited: false };
      headers['RateLimit-ResetTime'] = httpDate(resetAt);
      headers['Retry-After'] = String(retryAfterSeconds);
      return { headers, limited: true };
    },
  };
}
