import type { RateBudget } from './rate-budget.js';
import type { HeaderRecord } from './rate-headers.js';
import type { RetryOutcome, RetryPolicyOverrides } from './retry-policy.js';
import type { Clock, Sleep } from './time.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type QueryScalar = string | number | boolean;
/** Arrays become repeated parameters (`?state=a&state=b`); null and undefined are left out. */
export type QueryParams = Readonly<Record<string, QueryScalar | readonly QueryScalar[] | null | undefined>>;

export interface UpstreamRequest {
  method?: HttpMethod;
  /** Absolute, or a path joined to the client's `baseUrl`. */
  url: string;
  query?: QueryParams;
  /** Merged over the client's headers; `undefined` removes one. */
  headers?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
  /** 'json' (default) parses the body; an empty body gives `undefined`. */
  parse?: 'json' | 'text';
  /** Cancels this request only; the client's own signal cancels everything. */
  signal?: AbortSignal;
}

export interface UpstreamResponse<T> {
  status: number;
  /** Lower-cased names; as received (a `Link` header may carry credentials, so do not log it whole). */
  headers: HeaderRecord;
  body: T;
  /** The final URL after redirects, redacted: safe to store and log. */
  url: string;
  attempts: number;
}

/** Structured, already-redacted events for the caller's logger. */
export type HttpLogEvent =
  | { event: 'request.start'; method: string; url: string; attempt: number }
  | { event: 'request.finish'; method: string; url: string; attempt: number; status: number; elapsedMs: number }
  | {
      event: 'request.retry';
      method: string;
      url: string;
      attempt: number;
      outcome: RetryOutcome;
      status?: number;
      delayMs: number;
      reason: string;
    }
  | {
      event: 'request.fail';
      method: string;
      url: string;
      attempts: number;
      code: string;
      status?: number;
      message: string;
    }
  | { event: 'budget.pause'; method: string; url: string; untilMs: number; delayMs: number; reason: string };

/** Seen by the `onResponse` hook for every upstream answer, retried ones included. */
export interface ResponseInfo {
  method: string;
  /** Redacted. */
  url: string;
  status: number;
  /** Redacted. */
  headers: HeaderRecord;
  attempt: number;
}

export interface HttpClientOptions {
  baseUrl?: string;
  /** Sent with every request; credentials live here and are redacted automatically. */
  headers?: Readonly<Record<string, string>>;
  /** Per attempt, headers and body included. Default 30 s. */
  timeoutMs?: number;
  retry?: RetryPolicyOverrides;
  budget?: RateBudget;
  /** Further literal secrets to keep out of errors and logs (tokens sent any other way). */
  secrets?: readonly string[];
  /** Names the upstream in error messages, e.g. "Harness". */
  upstream?: string;
  clock?: Clock;
  sleep?: Sleep;
  /** Source of jitter, [0, 1). */
  random?: () => number;
  log?: (event: HttpLogEvent) => void;
  onResponse?: (info: ResponseInfo) => void;
  /** Cancels every request of this client (a sync being stopped). */
  signal?: AbortSignal;
  /** Redirects followed per attempt; credentials are dropped when one leaves the origin. Default 5. */
  maxRedirects?: number;
  fetch?: typeof globalThis.fetch;
}

export interface HttpClient {
  request<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>>;
  get<T = unknown>(url: string, req?: Omit<UpstreamRequest, 'url' | 'method'>): Promise<UpstreamResponse<T>>;
  post<T = unknown>(
    url: string,
    body: unknown,
    req?: Omit<UpstreamRequest, 'url' | 'method' | 'body'>,
  ): Promise<UpstreamResponse<T>>;
}
