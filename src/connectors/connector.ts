import type { DomainRun } from '../domain/cicd-run.js';
import type { DomainIncident } from '../domain/incident.js';
import type { DomainCommit, DomainEnvironment, DomainMergeRequest, DomainRepo, GoneRepo } from '../domain/scm.js';
import type { IntegrationType } from '../integrations/registry.js';

/** Time, passed in so tests and fakes can move it. */
export interface Clock {
  now(): number;
}

export type ValidationOutcome =
  'ok' | 'invalid_credentials' | 'invalid_permissions' | 'no_resources' | 'unreachable' | 'invalid_settings';

export interface ValidationCheck {
  id: string;
  label: string;
  status: 'passed' | 'failed' | 'skipped';
  /** A sentence a person can act on. */
  message: string;
}

/** The answer of Validate Connection: an overall outcome and each pre-flight check. */
export interface ValidationReport {
  outcome: ValidationOutcome;
  message: string;
  checks: ValidationCheck[];
}

export interface StreamDef {
  name: string;
  description: string;
}

/** The upstream request behind a page, secrets removed: kept with the raw records. */
export interface RecordedRequest {
  method: string;
  url: string;
  body?: unknown;
}

export interface RawRecord {
  /** Stable upstream identity within the stream (e.g. Harness planExecutionId). */
  key: string;
  data: unknown;
  /** False while the upstream object can still change (a running execution): revisit it. */
  final: boolean;
}

/** One upstream page as received; its cursor is saved in the same transaction as its records. */
export interface RawPage {
  stream: string;
  /** What the cursor is kept per, e.g. "org/project". */
  scope: string;
  request: RecordedRequest;
  records: RawRecord[];
  /** The stream cursor for `scope` once this page is stored; absent to keep the current one. */
  cursor?: unknown;
  /** Progress hints for the status line: how many scopes or items are done out of how many. */
  progress?: { label?: string; done?: number; total?: number };
}

/** Domain rows made from one raw record. */
export interface Normalized {
  runs?: DomainRun[];
  repos?: DomainRepo[];
  /** Repositories the upstream stopped answering for (deleted, or no longer visible). */
  goneRepos?: GoneRepo[];
  commits?: DomainCommit[];
  mergeRequests?: DomainMergeRequest[];
  environments?: DomainEnvironment[];
  incidents?: DomainIncident[];
}

/** What normalize may know besides the record: its scope and the integration's non-secret settings. */
export interface NormalizeMeta {
  scope: string;
  integration: { id: string; name: string; settings: Record<string, unknown> };
}

export interface ConnectorLogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [key: string]: unknown;
}

/** What a connector gets to do its work: never the store or the server. */
export interface ConnectorContext<S> {
  /** Settings with secrets in clear. */
  settings: S;
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  log: (event: ConnectorLogEvent) => void;
  /** How long one upstream attempt may take, headers and body (default: the HTTP client's, 30 s). */
  requestTimeoutMs?: number;
  /**
   * Scratch space shared by the streams of one sync job (say, the orgs and projects found by the first
   * stream, so the next ones need not list them again). Empty when a job starts; absent in validate.
   */
  memo?: Map<string, unknown>;
  /** OAuth integrations: where their tokens are read and a refreshed pair is saved (encrypted). */
  oauth?: OAuthTokenStore;
}

/** Tokens an OAuth sign-in yields; kept sealed by the server, never answered. */
export interface OAuthTokens {
  access_token: string;
  refresh_token: string;
  /** Epoch ms. */
  expires_at: number;
  scope: string;
}

export interface OAuthTokenStore {
  load(): Promise<OAuthTokens | null>;
  save(tokens: OAuthTokens): Promise<void>;
}

/** A connector whose integrations can sign in with the upstream (authorization code with PKCE). */
export interface OAuthSupport<S> {
  /** Whether these settings sign in with OAuth. */
  uses(settings: S): boolean;
  /** The upstream page the person is sent to. */
  authorizeUrl(settings: S, p: { state: string; challenge: string; redirectUri: string }): string;
  /** Trades the code the upstream sent back for tokens; answers who signed in. */
  exchange(
    ctx: ConnectorContext<S>,
    p: { code: string; verifier: string; redirectUri: string },
  ): Promise<{ tokens: OAuthTokens; user: string | null }>;
}

export interface CollectRequest {
  stream: string;
  /** Saved cursors of this stream by scope; empty on a full sync. */
  cursors: ReadonlyMap<string, unknown>;
  full: boolean;
}

/** The one interface every upstream connector implements. */
export interface Connector<S = Record<string, unknown>> {
  readonly spec: IntegrationType;
  readonly streams: readonly StreamDef[];
  /** Pre-flight checks with the given settings; never throws for upstream answers. */
  validate(ctx: ConnectorContext<S>): Promise<ValidationReport>;
  /** Pages of one stream, oldest change first, each with the cursor that covers it. */
  collect(ctx: ConnectorContext<S>, req: CollectRequest): AsyncGenerator<RawPage>;
  /** Pure: the same record always gives the same rows (replay rebuilds the domain layer with it). */
  normalize(stream: string, record: RawRecord, meta: NormalizeMeta): Normalized;
  /** Present when integrations of this type can sign in with OAuth. */
  readonly oauth?: OAuthSupport<S>;
}
