import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import { AppError } from '../core/errors.js';
import { readCookie, SESSION_COOKIE } from './session-cookie.js';

/** A token bucket: `burst` requests at once, refilled at `rate` per second. */
export interface BucketPolicy {
  readonly rate: number;
  readonly burst: number;
}

/** What taking a token from a bucket found. */
export interface Take {
  ok: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until a refused caller may try again (at least 1). */
  retryAfter: number;
  /** Seconds until the bucket is full again. */
  reset: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_INTERVAL_MS = 10_000;

/**
 * Token buckets by id, in memory. A bucket that has refilled is the same as none, so idle ones are swept
 * away; past `maxEntries` the least recently used go first.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  #sweptAt = 0;

  constructor(
    readonly policy: BucketPolicy,
    private readonly clock: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  get size(): number {
    return this.#buckets.size;
  }

  /** Tokens `id` has now (fractional). */
  peek(id: string): number {
    return this.#refilled(this.#buckets.get(id), this.clock());
  }

  /** Seconds until `id` has a whole token (at least 1). */
  retryAfter(id: string): number {
    return Math.max(1, Math.ceil((1 - this.peek(id)) / this.policy.rate));
  }

  /** Takes one token when there is one; a refused take costs nothing. */
  take(id: string): Take {
    const now = this.clock();
    this.#sweep(now);
    const tokens = this.#refilled(this.#buckets.get(id), now);
    const ok = tokens >= 1;
    const left = ok ? tokens - 1 : tokens;
    // Re-inserted so the map's order is least recently used first.
    this.#buckets.delete(id);
    this.#buckets.set(id, { tokens: left, at: now });
    const { rate, burst } = this.policy;
    return {
      ok,
      remaining: Math.floor(left),
      retryAfter: Math.max(1, Math.ceil((1 - left) / rate)),
      reset: Math.max(0, Math.ceil((burst - left) / rate)),
    };
  }

  /** Gives back a token taken for something that turned out not to count. */
  giveBack(id: string): void {
    const now = this.clock();
    const b = this.#buckets.get(id);
    if (b !== undefined)
      this.#buckets.set(id, { tokens: Math.min(this.policy.burst, this.#refilled(b, now) + 1), at: now });
  }

  #refilled(b: Bucket | undefined, now: number): number {
    if (b === undefined) return this.policy.burst;
    return Math.min(this.policy.burst, b.tokens + ((now - b.at) / 1000) * this.policy.rate);
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_INTERVAL_MS && this.#buckets.size < this.maxEntries) return;
    this.#sweptAt = now;
    for (const [id, b] of this.#buckets) {
      if (this.#refilled(b, now) >= this.policy.burst) this.#buckets.delete(id);
    }
    for (const id of this.#buckets.keys()) {
      if (this.#buckets.size < this.maxEntries) break;
      this.#buckets.delete(id);
    }
  }
}

const GOOD_CREDENTIAL_TTL_MS = 10 * 60_000;
const GOOD_CREDENTIAL_MAX = 10_000;

/** The credential a request carries, hashed (never kept in clear); undefined when it carries none. */
function fingerprint(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const raw = header !== undefined && header.trim() !== '' ? `h:${header.trim()}` : undefined;
  const cookie = raw === undefined ? readCookie(req, SESSION_COOKIE) : undefined;
  const value = raw ?? (cookie === undefined ? undefined : `c:${cookie}`);
  return value === undefined ? undefined : createHash('sha256').update(value, 'utf8').digest('base64url');
}

function tooMany(message: string, retryAfter: number, headers: Record<string, string> = {}): AppError {
  return new AppError('rate_limited', message, {
    status: 429,
    headers: { ...headers, 'retry-after': String(retryAfter) },
  });
}

/**
 * Per-key rate limiting, and per client address for failed authentication. A credential that worked lately
 * passes `beforeAuth` freely (so a guesser behind the same proxy does not lock out its neighbours); any other
 * API request takes a token from its address (so guesses in flight at once count too) and is refused once
 * there is none; `onSend` gives the token back unless the answer was a 401. `afterAuth` charges the key.
 * Only API routes (under `apiPrefixes`) are limited: health, docs and the web app's files are not.
 */
export function rateLimitHooks(config: Config, apiPrefixes: readonly string[], clock: () => number = Date.now) {
  const keys =
    config.rateLimit === 0
      ? undefined
      : new TokenBuckets({ rate: config.rateLimit, burst: config.rateLimitBurst }, clock);
  const failures =
    config.rateLimitAnonymous === 0
      ? undefined
      : new TokenBuckets({ rate: config.rateLimitAnonymous, burst: config.rateLimitAnonymousBurst }, clock);
  // Fingerprints of credentials that authenticated lately, with when.
  const good = new Map<string, number>();
  // Requests holding a token of their address until their answer says whether they failed.
  const holding = new WeakSet<FastifyRequest>();
  // The credential fingerprint of each limited request.
  const prints = new WeakMap<FastifyRequest, string>();
  const limited = (req: FastifyRequest): boolean => {
    const url = req.routeOptions.url;
    return url !== undefined && apiPrefixes.some((p) => url === p || url.startsWith(p + '/'));
  };

  const beforeAuth = async (req: FastifyRequest): Promise<void> => {
    if (failures === undefined || !limited(req)) return;
    const fp = fingerprint(req);
    if (fp !== undefined) {
      prints.set(req, fp);
      const seen = good.get(fp);
      if (seen !== undefined && clock() - seen < GOOD_CREDENTIAL_TTL_MS) return;
    }
    if (failures.take(req.ip).ok) {
      holding.add(req);
      return;
    }
    const wait = failures.retryAfter(req.ip);
    throw tooMany(`Too many failed sign-ins from this address: wait ${wait} s and try again.`, wait);
  };

  const afterAuth = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const p = req.principal;
    if (p === null) return;
    const fp = prints.get(req);
    if (fp !== undefined) {
      const now = clock();
      if (good.size >= GOOD_CREDENTIAL_MAX) {
        for (const [k, at] of good) if (now - at >= GOOD_CREDENTIAL_TTL_MS) good.delete(k);
        if (good.size >= GOOD_CREDENTIAL_MAX) good.clear();
      }
      good.set(fp, now);
    }
    if (keys === undefined) return;
    const take = keys.take(`${p.tenantId}/${p.keyId}`);
    const headers = {
      'ratelimit-limit': String(keys.policy.burst),
      'ratelimit-remaining': String(take.remaining),
      'ratelimit-reset': String(take.reset),
    };
    if (!take.ok) {
      throw tooMany(
        `This key sent more than ${keys.policy.rate} requests per second: wait ${take.retryAfter} s and try again.`,
        take.retryAfter,
        headers,
      );
    }
    void reply.headers(headers);
  };

  const onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (failures !== undefined && holding.has(req)) {
      holding.delete(req);
      if (reply.statusCode !== 401) failures.giveBack(req.ip);
    }
    // A credential that worked and fails now (revoked, session ended) no longer passes unchecked.
    const fp = prints.get(req);
    if (fp !== undefined && reply.statusCode === 401) good.delete(fp);
    return payload;
  };

  return { beforeAuth, afterAuth, onSend };
}
