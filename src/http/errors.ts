import { AppError } from '../core/errors.js';

/** What every upstream failure carries; the url, snippet and message are already redacted. */
export interface UpstreamErrorInfo {
  method: string;
  url: string;
  attempts: number;
  /** The upstream's HTTP status, when it answered at all. */
  upstreamStatus?: number;
  /** At most ~500 characters of the upstream's body, redacted. */
  bodySnippet?: string;
  /** The snippet parsed, when it was a whole JSON document. */
  body?: unknown;
  /** The upstream's own explanation, picked from its JSON body (`message`, `error_description`, ...). */
  upstreamMessage?: string;
  /** How long the upstream asked us to wait, when it said so. */
  retryAfterMs?: number;
  /** A redacted stand-in for the underlying error (never the raw one: it may hold a URL). */
  cause?: Error;
}

/**
 * The base of the upstream family. AppError's status is what *our* API answers when this error
 * reaches it: 502 (we are a gateway), never the upstream's 401/403, which would read as "your
 * OpenSEI key is wrong".
 */
export class UpstreamError extends AppError {
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly upstreamStatus: number | undefined;
  readonly bodySnippet: string | undefined;
  readonly body: unknown;
  readonly upstreamMessage: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, info: UpstreamErrorInfo, status = 502, headers?: Record<string, string>) {
    super(code, message, { status, headers, cause: info.cause });
    this.method = info.method;
    this.url = info.url;
    this.attempts = info.attempts;
    this.upstreamStatus = info.upstreamStatus;
    this.bodySnippet = info.bodySnippet;
    this.body = info.body;
    this.upstreamMessage = info.upstreamMessage;
    this.retryAfterMs = info.retryAfterMs;
  }

  /** A plain, log-friendly copy (Error's own fields are not enumerable). */
  toJSON(): Record<string, unknown> {
    const { method, url, attempts, upstreamStatus, bodySnippet, body, upstreamMessage, retryAfterMs } = this;
    const fields = { method, url, attempts, upstreamStatus, bodySnippet, body, upstreamMessage, retryAfterMs };
    return { name: this.name, code: this.code, status: this.status, message: this.message, ...fields };
  }
}

/** 401: the credentials are wrong or expired. Never retried; stops the stream. */
export class UpstreamAuthError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_unauthorized', message, info);
  }
}

/** 403: the credentials lack a permission or scope. Never retried; stops the stream. */
export class UpstreamForbiddenError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_forbidden', message, info);
  }
}

/**
 * Gave up on 429. Answered as 503 with Retry-After when the upstream said when: the caller can
 * retry later and it will likely work, which is what 503 + Retry-After means.
 */
export class UpstreamRateLimitedError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    const seconds = info.retryAfterMs === undefined ? undefined : Math.ceil(info.retryAfterMs / 1000);
    super(
      'upstream_rate_limited',
      message,
      info,
      503,
      seconds === undefined ? undefined : { 'retry-after': `${seconds}` },
    );
  }
}

/** 5xx after the retries (or a 5xx the policy does not retry). */
export class UpstreamUnavailableError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_unavailable', message, info);
  }
}

/** No answer within the timeout, after the retries. 504 is exactly "the upstream timed out". */
export class UpstreamTimeoutError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_timeout', message, info, 504);
  }
}

/** The connection failed (refused, reset, DNS, TLS) after the retries. */
export class UpstreamNetworkError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_network', message, info);
  }
}

/** A 2xx whose body is not what was asked for (invalid or truncated JSON). */
export class UpstreamBadResponseError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_bad_response', message, info);
  }
}

/** Any other non-2xx answer (404, 400, 422, ...), not retried; `upstreamStatus` says which. */
export class UpstreamHttpError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_http_error', message, info);
  }
}

/**
 * The caller's signal aborted (a sync being stopped). 503: the work was not done and may be
 * retried; it is not the upstream's fault, so callers usually check for this class first.
 */
export class UpstreamCancelledError extends UpstreamError {
  constructor(message: string, info: UpstreamErrorInfo) {
    super('upstream_cancelled', message, info, 503);
  }
}
