import type { FailedOutcome, FailureKind } from './decide.js';
import { networkErrorCode } from './decide.js';
import {
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamCancelledError,
  UpstreamForbiddenError,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
  type UpstreamErrorInfo,
} from './errors.js';
import type { Redactor } from './redact.js';

export const SNIPPET_CHARS = 500;
const PARSE_LIMIT = 64 * 1024;

/** What the client knows when a request ends for good. */
export interface FailureContext {
  kind: FailureKind;
  label: string;
  method: string;
  /** Redacted. */
  url: string;
  attempts: number;
  redactor: Redactor;
  outcome?: FailedOutcome;
  timeoutMs: number;
  retryAfterMs?: number;
  overCap?: boolean;
  maxRetryAfterMs: number;
  /** Why a 2xx body was rejected (the JSON parser's message). */
  parseError?: string;
}

type Make = new (message: string, info: UpstreamErrorInfo) => UpstreamError;

const CLASSES: Readonly<Record<FailureKind, Make>> = {
  unauthorized: UpstreamAuthError,
  forbidden: UpstreamForbiddenError,
  rate_limited: UpstreamRateLimitedError,
  unavailable: UpstreamUnavailableError,
  timeout: UpstreamTimeoutError,
  network: UpstreamNetworkError,
  http: UpstreamHttpError,
  bad_response: UpstreamBadResponseError,
  cancelled: UpstreamCancelledError,
};

/** The typed, redacted error for a request that ended for good. */
export function buildFailure(ctx: FailureContext): UpstreamError {
  const info: UpstreamErrorInfo = { method: ctx.method, url: ctx.url, attempts: ctx.attempts };
  if (ctx.retryAfterMs !== undefined) info.retryAfterMs = ctx.retryAfterMs;
  const outcome = ctx.outcome;
  if (outcome?.kind === 'response') {
    info.upstreamStatus = outcome.status;
    Object.assign(info, describeBody(outcome.text, ctx.redactor));
  }
  if (outcome?.kind === 'network') info.cause = redactedCause(outcome.error, ctx.redactor);
  return new CLASSES[ctx.kind](ctx.redactor.text(message(ctx, info)), info);
}

function message(ctx: FailureContext, info: UpstreamErrorInfo): string {
  const { method, url, attempts } = ctx;
  const label = ctx.label.charAt(0).toUpperCase() + ctx.label.slice(1);
  const target = `${method} ${url}`;
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const said = info.upstreamMessage === undefined ? '' : `: "${info.upstreamMessage}"`;
  const answered = `${label} answered ${statusLine(ctx)} to ${target}`;
  switch (ctx.kind) {
    case 'unauthorized':
      return `${answered}${said}. The credentials are invalid or expired; update them and sync again.`;
    case 'forbidden':
      return `${answered}${said}. The credentials lack a permission or scope this needs.`;
    case 'rate_limited':
      if (ctx.overCap) {
        return `${label} rate-limited ${target} and asked to wait ${seconds(ctx.retryAfterMs)} s, longer than the ${seconds(ctx.maxRetryAfterMs)} s we wait at most; try again later.`;
      }
      return `${label} kept rate-limiting ${target} (429) after ${tries}${said}.`;
    case 'unavailable':
      return ctx.overCap
        ? `${answered} and asked to wait ${seconds(ctx.retryAfterMs)} s, longer than the ${seconds(ctx.maxRetryAfterMs)} s we wait at most${said}.`
        : `${answered} after ${tries}${said}.`;
    case 'timeout':
      return `${label} did not answer ${target} within ${ctx.timeoutMs} ms (${tries}).`;
    case 'network':
      return `Could not reach ${ctx.label} for ${target} after ${tries}: ${networkReason(ctx.outcome)}.`;
    case 'bad_response':
      return `${label} answered ${target} with a body that is not valid JSON (${ctx.parseError ?? 'unparsable'}).`;
    case 'http':
      return `${answered}${said}.`;
    case 'cancelled':
      return `${target} was cancelled after ${tries} (the sync was stopped).`;
  }
}

function statusLine(ctx: FailureContext): string {
  if (ctx.outcome?.kind !== 'response') return 'nothing';
  const { status, statusText } = ctx.outcome;
  return statusText === '' ? `${status}` : `${status} ${statusText}`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '?' : `${Math.ceil(ms / 1000)}`;
}

function networkReason(outcome: FailedOutcome | undefined): string {
  if (outcome?.kind !== 'network') return 'unknown error';
  const error = outcome.error;
  const code = networkErrorCode(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  const text = cause ?? (error instanceof Error ? error.message : String(error));
  return code === undefined || text.includes(code) ? text : `${code} ${text}`;
}

/** A stand-in for the raw error: its name, code and redacted message, nothing else (no sockets, no URLs). */
function redactedCause(error: unknown, redactor: Redactor): Error {
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = inner instanceof Error ? inner.message : String(inner);
  const cause = new Error(redactor.text(text)) as Error & { code?: string };
  const code = networkErrorCode(error);
  if (code !== undefined) cause.code = code;
  if (inner instanceof Error) cause.name = inner.name;
  cause.stack = `${cause.name}: ${cause.message}`; // our frames say nothing useful about a socket
  return cause;
}

/** Redacts the body before cutting it, so that no partial secret survives at the cut. */
export function describeBody(
  text: string,
  redactor: Redactor,
): Pick<UpstreamErrorInfo, 'bodySnippet' | 'body' | 'upstreamMessage'> {
  if (text.trim() === '') return {};
  const redacted = redactor.text(text.length > PARSE_LIMIT ? text.slice(0, PARSE_LIMIT) : text);
  const bodySnippet = redacted.length > SNIPPET_CHARS ? `${redacted.slice(0, SNIPPET_CHARS)}…` : redacted;
  const parsed = tryParse(redacted);
  const out: Pick<UpstreamErrorInfo, 'bodySnippet' | 'body' | 'upstreamMessage'> = { bodySnippet };
  if (parsed !== undefined && redacted.length <= SNIPPET_CHARS) out.body = parsed;
  const said = parsed === undefined ? undefined : pickMessage(parsed);
  if (said !== undefined) out.upstreamMessage = said.length > 300 ? `${said.slice(0, 300)}…` : said;
  return out;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The upstream's own sentence: Harness/GitLab `message`, OAuth `error_description`, Jira `errorMessages`. */
function pickMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const candidates = [
    b['message'],
    b['error_description'],
    b['errorMessage'],
    Array.isArray(b['errorMessages']) ? b['errorMessages'][0] : undefined,
    typeof b['error'] === 'object' && b['error'] !== null
      ? (b['error'] as Record<string, unknown>)['message']
      : b['error'],
    b['detail'],
    b['title'],
  ];
  const found = candidates.find((c) => typeof c === 'string' && c.trim() !== '');
  if (typeof found === 'string') return found;
  const errors = b['errors'];
  if (typeof errors === 'object' && errors !== null) return JSON.stringify(errors).slice(0, 300);
  return typeof b['message'] === 'object' && b['message'] !== null ? JSON.stringify(b['message']) : undefined;
}
