import type {
  DoraProfile,
  FilterValues,
  Freshness,
  HealthAnswer,
  Instance,
  Integration,
  IntegrationType,
  MetricAnswer,
  MrAnswer,
  OAuthStatus,
  ProfilePreview,
  RecordsPage,
  Session,
  SyncJob,
  SyncStatus,
  Team,
  ValidationReport,
} from './types';

export interface ErrorDetail {
  code: string;
  message: string;
  field?: string;
}

/** An API error as the server words it: `{ error: { code, message, field?, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** One per failing field when there are several problems. */
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** Each problem with the field it names: the details, or the error itself when it has none. */
  problems(): ErrorDetail[] {
    if (this.details.length > 0) return this.details;
    return [{ code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) }];
  }
}

/** One field of a JSON schema, as much of it as the forms read. */
export interface FieldSchema {
  type?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: { maxLength?: number; minLength?: number };
}

export type Query = Record<string, string | number | undefined>;

/** `?a=1&b=2` from the defined values of a query. */
export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * The typed API client. The session cookie is httpOnly and sent by the browser (same origin only); the CSRF
 * token lives in this object's memory, never in storage or a URL, and goes out as X-SEI-CSRF on unsafe calls.
 */
export class Api {
  #csrf: string | null = null;
  /** Called when the server says the session ended, so the page shows the sign-in form. */
  onSignedOut: () => void = () => {};

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.#csrf !== null) headers['x-sei-csrf'] = this.#csrf;
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: reported below with the status
    }
    if (!res.ok) {
      const e = (
        parsed as { error?: { code?: string; message?: string; field?: string; details?: ErrorDetail[] } } | undefined
      )?.error;
      const err = new ApiError(
        res.status,
        e?.code ?? `http_${res.status}`,
        e?.message ?? res.statusText,
        e?.field,
        Array.isArray(e?.details) ? e.details : [],
      );
      if (res.status === 401 && path !== '/v1/session') {
        this.#csrf = null;
        this.onSignedOut();
      }
      throw err;
    }
    return parsed as T;
  }

  get = <T>(path: string) => this.#call<T>('GET', path);

  async signIn(key: string): Promise<Session> {
    const s = await this.#call<Session>('POST', '/v1/session', { key });
    this.#csrf = s.csrf_token;
    return s;
  }

  /** Who is signed in, or null; keeps the CSRF token for the calls that follow. */
  async session(): Promise<Session | null> {
    try {
      const s = await this.#call<Session>('GET', '/v1/session');
      this.#csrf = s.csrf_token;
      return s;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  }

  async signOut(): Promise<void> {
    await this.#call<void>('DELETE', '/v1/session');
    this.#csrf = null;
  }

  integrationTypes = () => this.get<{ types: IntegrationType[] }>('/v1/integration-types');
  integrations = () => this.get<{ integrations: Integration[] }>('/v1/integrations');
  install = (body: {
    type: string;
    name: string;
    description?: string;
    tags?: string[];
    settings: Record<string, unknown>;
    sync_interval_minutes?: number;
  }) => this.#call<Integration>('POST', '/v1/integrations', body);
  updateIntegration = (id: string, body: { settings?: Record<string, unknown>; name?: string }) =>
    this.#call<Integration>('PATCH', `/v1/integrations/${encodeURIComponent(id)}`, body);
  removeIntegration = (id: string) => this.#call<void>('DELETE', `/v1/integrations/${encodeURIComponent(id)}`);
  validateSettings = (type: string, settings: Record<string, unknown>) =>
    this.#call<ValidationReport>('POST', '/v1/integrations/validate', { type, settings });
  validateIntegration = (id: string) =>
    this.#call<ValidationReport>('POST', `/v1/integrations/${encodeURIComponent(id)}/validate`, {});
  syncNow = (id: string, mode: 'incremental' | 'full' = 'incremental') =>
    this.#call<SyncJob>('POST', `/v1/integrations/${encodeURIComponent(id)}/sync`, { mode });
  syncStatus = (id: string) => this.get<SyncStatus>(`/v1/integrations/${encodeURIComponent(id)}/sync`);
  oauthStatus = (id: string) => this.get<OAuthStatus>(`/v1/integrations/${encodeURIComponent(id)}/oauth`);
  authorize = (id: string) =>
    this.#call<{ authorize_url: string }>('POST', `/v1/integrations/${encodeURIComponent(id)}/oauth/authorize`, {});

  instances = (integrationId?: string) =>
    this.get<{ instances: Instance[] }>(`/v1/cicd/instances${queryString({ integration_id: integrationId })}`);
  createInstance = (body: { integration_id: string; name: string; type: string; url?: string }) =>
    this.#call<Instance>('POST', '/v1/cicd/instances', body);

  /** A new key; its clear value is in this answer only (the page shows it once and keeps it in memory). */
  createKey = (name: string, role: 'admin' | 'ingestion') =>
    this.#call<{ key: string; info: { id: string; prefix: string } }>('POST', '/v1/keys', { name, role });

  freshness = () => this.get<Freshness>('/v1/freshness');
  metric = (name: string, q: Query) => this.get<MetricAnswer>(`/v1/metrics/${name}${queryString(q)}`);
  records = (name: string, q: Query) => this.get<RecordsPage>(`/v1/metrics/${name}/records${queryString(q)}`);
  cicdHealth = (q: Query) => this.get<HealthAnswer>(`/v1/metrics/cicd-health${queryString(q)}`);
  mergeRequests = (q: Query) => this.get<MrAnswer>(`/v1/metrics/merge-requests${queryString(q)}`);
  filterValues = () => this.get<FilterValues>('/v1/metrics/filter-values');

  /** The tenant's teams, sorted by name. */
  teams = () => this.get<{ teams: Team[] }>('/v1/teams');
  createTeam = (body: { name: string; services?: string[]; repositories?: string[] }) =>
    this.#call<{ team: Team }>('POST', '/v1/teams', body);
  /** Changes any of a team's fields. */
  updateTeam = (id: string, change: { name?: string; services?: string[]; repositories?: string[] }) =>
    this.#call<{ team: Team }>('PUT', `/v1/teams/${encodeURIComponent(id)}`, change);
  removeTeam = (id: string) => this.#call<void>('DELETE', `/v1/teams/${encodeURIComponent(id)}`);

  profile = () => this.get<{ profile: DoraProfile }>('/v1/metrics/profile');
  profileDefaults = () => this.get<{ profile: DoraProfile }>('/v1/metrics/profile/defaults');
  /** Saves a profile change (any of its fields); the metrics follow it at once. */
  saveProfile = (change: Record<string, unknown>) =>
    this.#call<{ profile: DoraProfile }>('PUT', '/v1/metrics/profile', change);
  /** The profile's fields as the API's schema describes them (description and limits), from /openapi.json. */
  profileFields = async (): Promise<Record<string, FieldSchema>> => {
    type Doc = {
      paths?: Record<
        string,
        { get?: { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } }
      >;
    };
    const doc = await this.get<Doc>('/openapi.json');
    const schema = doc.paths?.['/v1/metrics/profile']?.get?.responses?.['200']?.content?.['application/json']
      ?.schema as { properties?: { profile?: { properties?: Record<string, FieldSchema> } } } | undefined;
    return schema?.properties?.profile?.properties ?? {};
  };
  /** What a change would do to the deployments of a window (`from`, `to`), before saving it. */
  previewProfile = (change: Record<string, unknown>, q: Query) =>
    this.#call<ProfilePreview>('POST', `/v1/metrics/profile/preview${queryString(q)}`, change);
}
