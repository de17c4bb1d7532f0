import { createHttpClient } from '../../http/client.js';
import { createRateBudget, type RateBudget } from '../../http/rate-budget.js';
import type { HttpClient, QueryParams, UpstreamResponse } from '../../http/types.js';
import type { ConnectorContext, RecordedRequest } from '../connector.js';
import { GITLAB_CLOUD_URL, type GitLabSettings } from './spec.js';

export const PER_PAGE = 100;
// GitLab.com allows 2,000 authenticated API requests a minute per user; self-managed defaults are
// higher. Stay well under it (the token may have other users); RateLimit-* headers pause us earlier.
const DEFAULT_PER_MINUTE = 1200;

/** Where a request's credentials come from: a personal access token, or an OAuth access token kept fresh. */
export interface GitLabAuth {
  kind: 'pat' | 'oauth';
  /** The token to send now (an OAuth source refreshes it first when it is about to expire). */
  token(): Promise<string>;
  /** After a 401 on a token that should have been valid: refresh once; false when it cannot. */
  refresh?(): Promise<boolean>;
}

export interface GitLabUser {
  id: number;
  username: string;
  name?: string;
  state?: string;
  bot?: boolean;
}

export interface GitLabTokenInfo {
  id: number;
  name?: string;
  revoked: boolean;
  active: boolean;
  scopes: string[];
  expires_at: string | null;
}

export interface GitLabProject {
  id: number;
  name: string;
  path_with_namespace: string;
  namespace?: { id: number; full_path: string; kind?: string };
  default_branch?: string | null;
  web_url?: string;
  visibility?: string;
  archived?: boolean;
  created_at?: string;
  last_activity_at?: string;
  permissions?: {
    project_access?: { access_level: number } | null;
    group_access?: { access_level: number } | null;
  };
  [key: string]: unknown;
}

export interface ListPage<T> {
  items: T[];
  request: RecordedRequest;
  /** The next page number, or undefined on the last page (`x-next-page` empty). */
  nextPage: number | undefined;
  /** GitLab's clock when it answered (its `Date` header), when it sent one. */
  serverTime: number | undefined;
}

/** The path of a project or group for `:id`: a number, or the full path URL-encoded. */
export const idOf = (idOrPath: string | number): string => encodeURIComponent(String(idOrPath));

/** The GitLab REST v4 calls the connector makes, over the shared upstream client. */
export class GitLabApi {
  readonly baseUrl: string;
  readonly #ctx: Pick<ConnectorContext<GitLabSettings>, 'clock' | 'sleep' | 'signal' | 'requestTimeoutMs'>;
  readonly #budget: RateBudget;
  #client: { token: string; http: HttpClient } | undefined;

  constructor(
    settings: GitLabSettings,
    readonly auth: GitLabAuth,
    ctx: Pick<ConnectorContext<GitLabSettings>, 'clock' | 'sleep' | 'signal' | 'requestTimeoutMs'>,
  ) {
    this.baseUrl = (settings.url ?? GITLAB_CLOUD_URL).replace(/\/+$/, '');
    this.#ctx = ctx;
    const perMinute = settings.requests_per_minute ?? DEFAULT_PER_MINUTE;
    this.#budget = createRateBudget({
      requests: perMinute,
      intervalMs: 60_000,
      burst: Math.max(1, Math.round(perMinute / 60)),
      clock: ctx.clock,
      sleep: ctx.sleep,
    });
  }

  /** A client for the current token (a refreshed OAuth token gets a new one; the rate budget is shared). */
  async #http(): Promise<HttpClient> {
    const token = await this.auth.token();
    if (this.#client?.token !== token) {
      const header: Record<string, string> =
        this.auth.kind === 'pat' ? { 'PRIVATE-TOKEN': token } : { Authorization: `Bearer ${token}` };
      this.#client = {
        token,
        http: createHttpClient({
          baseUrl: `${this.baseUrl}/api/v4`,
          headers: header,
          secrets: [token],
          upstream: 'GitLab',
          clock: this.#ctx.clock,
          sleep: this.#ctx.sleep,
          signal: this.#ctx.signal,
          ...(this.#ctx.requestTimeoutMs === undefined ? {} : { timeoutMs: this.#ctx.requestTimeoutMs }),
          budget: this.#budget,
        }),
      };
    }
    return this.#client.http;
  }

  /** GET with one retry after refreshing an OAuth token the server called expired. */
  async get<T>(path: string, query: QueryParams = {}): Promise<UpstreamResponse<T>> {
    try {
      return await (await this.#http()).get<T>(path, { query });
    } catch (err) {
      if ((err as { code?: string }).code !== 'upstream_unauthorized' || this.auth.refresh === undefined) throw err;
      if (!(await this.auth.refresh())) throw err;
      return (await this.#http()).get<T>(path, { query });
    }
  }

  /** One page of a list endpoint (offset paging; `x-next-page` is empty on the last page). */
  async page<T>(path: string, query: Record<string, string | number | boolean>, page: number): Promise<ListPage<T>> {
    const q = { ...query, per_page: PER_PAGE, page };
    const res = await this.get<T[]>(path, q);
    const next = res.headers['x-next-page']?.trim();
    const search = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
    return {
      items: Array.isArray(res.body) ? res.body : [],
      request: { method: 'GET', url: `/api/v4${path}?${search.toString()}` },
      nextPage: next === undefined || next === '' || !/^\d+$/.test(next) ? undefined : Number(next),
      serverTime: Number.isNaN(Date.parse(res.headers['date'] ?? '')) ? undefined : Date.parse(res.headers['date']!),
    };
  }

  /** Every page of a list endpoint, in order, until `x-next-page` is empty. */
  async *pages<T>(path: string, query: Record<string, string | number | boolean> = {}): AsyncGenerator<ListPage<T>> {
    for (let page: number | undefined = 1; page !== undefined;) {
      const res: ListPage<T> = await this.page<T>(path, query, page);
      yield res;
      page = res.nextPage;
    }
  }

  /** Every item of a list endpoint. */
  async all<T>(path: string, query: Record<string, string | number | boolean> = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const res of this.pages<T>(path, query)) out.push(...res.items);
    return out;
  }

  async user(): Promise<GitLabUser> {
    return (await this.get<GitLabUser>('/user')).body;
  }

  /** The personal access token's own record: scopes, expiry, revoked (GitLab 15.5+). */
  async tokenSelf(): Promise<GitLabTokenInfo> {
    return (await this.get<GitLabTokenInfo>('/personal_access_tokens/self')).body;
  }

  async project(idOrPath: string | number): Promise<GitLabProject> {
    return (await this.get<GitLabProject>(`/projects/${idOf(idOrPath)}`)).body;
  }

  /** Projects the user is a member of (at least `minAccessLevel` when given). */
  memberProjects(minAccessLevel?: number): Promise<GitLabProject[]> {
    return this.all<GitLabProject>('/projects', {
      membership: true,
      order_by: 'id',
      sort: 'asc',
      ...(minAccessLevel === undefined ? {} : { min_access_level: minAccessLevel }),
    });
  }

  /** The projects of a group and its subgroups. */
  groupProjects(group: string): Promise<GitLabProject[]> {
    return this.all<GitLabProject>(`/groups/${idOf(group)}/projects`, {
      include_subgroups: true,
      order_by: 'id',
      sort: 'asc',
    });
  }
}
