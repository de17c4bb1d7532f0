import { createHttpClient } from '../../http/client.js';
import { numberHeader, pageByNumber } from '../../http/paging.js';
import { createRateBudget } from '../../http/rate-budget.js';
import type { HttpClient, UpstreamResponse } from '../../http/types.js';
import type { ConnectorContext, RecordedRequest } from '../connector.js';
import { HARNESS_CLOUD_URL, type HarnessSettings } from './spec.js';

export interface HarnessOrg {
  org: { identifier: string; name: string; description?: string; tags?: Record<string, string> };
  created?: number;
  updated?: number;
}

export interface HarnessProject {
  project: { org: string; identifier: string; name: string; modules?: string[] };
  created?: number;
  updated?: number;
}

export interface ExecutionSummary {
  planExecutionId: string;
  pipelineIdentifier: string;
  orgIdentifier: string;
  projectIdentifier: string;
  name?: string;
  status: string;
  startTs?: number;
  endTs?: number;
  [key: string]: unknown;
}

interface SpringPage<T> {
  content: T[];
  totalPages?: number;
  number?: number;
  last?: boolean;
}

export interface SummaryRequest extends RecordedRequest {
  query: Record<string, string | number>;
  body: Record<string, unknown>;
}

export const V1_PAGE = 100;
export const EXECUTION_PAGE = 100;
// Harness allows 1,000 requests a minute per key; stay well under it, the key may have other users.
const BUDGET = { requests: 600, intervalMs: 60_000, burst: 10 };

/** The Harness calls the connector makes, over the shared upstream client. */
export class HarnessApi {
  readonly http: HttpClient;
  readonly baseUrl: string;

  readonly #lists: Map<string, Promise<unknown[]>> | undefined;

  /** With `memoizeLists`, each org and project list is fetched once in this client's life (one sync job). */
  constructor(
    readonly settings: HarnessSettings,
    ctx: Pick<ConnectorContext<HarnessSettings>, 'clock' | 'sleep' | 'signal' | 'requestTimeoutMs'>,
    options: { memoizeLists?: boolean } = {},
  ) {
    this.#lists = options.memoizeLists === true ? new Map() : undefined;
    this.baseUrl = (settings.url ?? HARNESS_CLOUD_URL).replace(/\/+$/, '');
    this.http = createHttpClient({
      baseUrl: this.baseUrl,
      headers: { 'x-api-key': settings.api_key, 'Harness-Account': settings.account_id },
      upstream: 'Harness',
      clock: ctx.clock,
      sleep: ctx.sleep,
      signal: ctx.signal,
      ...(ctx.requestTimeoutMs === undefined ? {} : { timeoutMs: ctx.requestTimeoutMs }),
      budget: createRateBudget({ ...BUDGET, clock: ctx.clock, sleep: ctx.sleep }),
    });
  }

  /** All pages of a `/v1` list: a bare array with `X-Total-Elements` paging headers. */
  #v1List<T>(path: string): Promise<T[]> {
    if (this.#lists === undefined) return this.#fetchV1List<T>(path);
    let list = this.#lists.get(path);
    if (list === undefined) {
      list = this.#fetchV1List<T>(path);
      this.#lists.set(path, list);
      // A failed listing is not remembered: the next stream asks again.
      list.catch(() => this.#lists?.delete(path));
    }
    return list as Promise<T[]>;
  }

  async #fetchV1List<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    for await (const page of pageByNumber<T, UpstreamResponse<T[]>>({
      fetchPage: (page, limit) => this.http.get<T[]>(path, { query: { page, limit } }),
      items: (res) => (Array.isArray(res.body) ? res.body : []),
      size: V1_PAGE,
      total: (state) => numberHeader(state.response.headers, 'x-total-elements'),
    })) {
      out.push(...page.items);
    }
    return out;
  }

  /** Every organization the key can see (`GET /v1/orgs`). */
  orgs(): Promise<HarnessOrg[]> {
    return this.#v1List<HarnessOrg>('/v1/orgs');
  }

  /** The projects of one organization (`GET /v1/orgs/{org}/projects`). */
  projects(org: string): Promise<HarnessProject[]> {
    return this.#v1List<HarnessProject>(`/v1/orgs/${encodeURIComponent(org)}/projects`);
  }

  /** The execution summary request for one project, oldest first so a saved cursor never skips. */
  summaryRequest(
    org: string,
    project: string,
    page: number,
    size: number,
    filter: Record<string, unknown>,
  ): SummaryRequest {
    return {
      method: 'POST',
      url: '/pipeline/api/pipelines/execution/summary',
      query: {
        accountIdentifier: this.settings.account_id,
        orgIdentifier: org,
        projectIdentifier: project,
        page,
        size,
        sort: 'startTs,ASC',
      },
      body: { filterType: 'PipelineExecution', ...filter },
    };
  }

  /** One page of executions: a Spring page inside a ResponseDTO. */
  async executionPage(req: SummaryRequest): Promise<{ items: ExecutionSummary[]; last: boolean }> {
    const res = await this.http.post<{ data?: SpringPage<ExecutionSummary> }>(req.url, req.body, { query: req.query });
    const data = res.body.data;
    const items = Array.isArray(data?.content) ? data.content : [];
    const size = Number(req.query['size']);
    const number = data?.number ?? Number(req.query['page']);
    const last = data?.last ?? (data?.totalPages === undefined ? items.length < size : number + 1 >= data.totalPages);
    return { items, last: last || items.length === 0 };
  }
}
