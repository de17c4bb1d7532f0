import type { HeaderRecord } from './rate-headers.js';

/** One fetched page. `page` counts from 0 in every helper, whatever numbering the upstream uses. */
export interface Page<I, R> {
  items: readonly I[];
  page: number;
  response: R;
}

/** What a stop predicate sees after each page. */
export interface PageState<I, R> {
  response: R;
  items: readonly I[];
  /** The page number that was requested. */
  pageNumber: number;
  size: number;
  /** Items fetched so far, this page included. */
  fetched: number;
}

export interface PageByNumberOptions<I, R> {
  fetchPage(pageNumber: number, size: number): Promise<R>;
  items(response: R): readonly I[];
  size: number;
  /** The first page number: 0 for Harness (Spring), 1 for GitLab. Default 0. */
  first?: number;
  /** An explicit "last page" flag (Spring's `last`); undefined when the page does not say. */
  isLast?(state: PageState<I, R>): boolean | undefined;
  /** The total item count when known (`X-Total-Elements`, `totalItems`); undefined when not sent. */
  total?(state: PageState<I, R>): number | undefined;
  maxPages?: number;
}

/**
 * page/size paging. Stops at an empty page, when `isLast` says so, when `total` is reached, or,
 * when neither is known, at a short page. Every fetched page is yielded, an empty last one too.
 */
export async function* pageByNumber<I, R>(options: PageByNumberOptions<I, R>): AsyncGenerator<Page<I, R>, void> {
  const first = options.first ?? 0;
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  let fetched = 0;
  for (let page = 0; page < maxPages; page++) {
    const pageNumber = first + page;
    const response = await options.fetchPage(pageNumber, options.size);
    const items = options.items(response);
    fetched += items.length;
    yield { items, page, response };
    const state: PageState<I, R> = { response, items, pageNumber, size: options.size, fetched };
    if (items.length === 0 || isLastPage(options, state)) return;
  }
}

function isLastPage<I, R>(options: PageByNumberOptions<I, R>, state: PageState<I, R>): boolean {
  const flag = options.isLast?.(state);
  if (flag !== undefined) return flag;
  const total = options.total?.(state);
  if (total !== undefined) return state.fetched >= total;
  return state.items.length < state.size;
}

/** Reads a whole-number header such as `X-Total-Elements` or `X-Total`; undefined when absent. */
export function numberHeader(headers: HeaderRecord, name: string): number | undefined {
  const raw = headers[name.toLowerCase()]?.trim();
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export interface PageByNextLinkOptions<I, R> {
  /** The first page's URL. */
  url: string;
  fetchPage(url: string): Promise<R>;
  items(response: R): readonly I[];
  /** The next page's URL; default: `Link: <...>; rel="next"`, else GitLab's `X-Next-Page`. */
  next?(response: R, url: string): string | undefined;
  maxPages?: number;
}

/** Follows "next" links until there is none; a link already visited ends paging too (no loops). */
export async function* pageByNextLink<I, R extends { readonly headers: HeaderRecord }>(
  options: PageByNextLinkOptions<I, R>,
): AsyncGenerator<Page<I, R>, void> {
  const next = options.next ?? ((response: R, url: string) => nextFromHeaders(response.headers, url));
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  let url: string | undefined = options.url;
  for (let page = 0; url !== undefined && !seen.has(url) && page < maxPages; page++) {
    seen.add(url);
    const response = await options.fetchPage(url);
    yield { items: options.items(response), page, response };
    url = next(response, url);
  }
}

/** The next page from `Link` (RFC 8288, resolved against `url`) or from `X-Next-Page` (a page number). */
export function nextFromHeaders(headers: HeaderRecord, url: string): string | undefined {
  const link = headers['link'];
  const fromLink = link === undefined ? undefined : parseLinkHeader(link)['next'];
  if (fromLink !== undefined) return resolve(fromLink, url);
  const nextPage = headers['x-next-page']?.trim();
  if (nextPage === undefined || nextPage === '') return undefined;
  const relative = !/^https?:\/\//i.test(url);
  const target = new URL(url, RELATIVE_BASE);
  target.searchParams.set('page', nextPage);
  return relative ? `${target.pathname.slice(1)}${target.search}` : target.toString();
}

// Stands in for the client's baseUrl when a caller pages over relative URLs.
const RELATIVE_BASE = 'http://relative.invalid/';

function resolve(target: string, base: string): string {
  const resolved = new URL(target, new URL(base, RELATIVE_BASE));
  return resolved.origin === new URL(RELATIVE_BASE).origin
    ? `${resolved.pathname.slice(1)}${resolved.search}`
    : resolved.toString();
}

/** `<a>; rel="next", <b>; rel="last"` as `{ next: 'a', last: 'b' }`. */
export function parseLinkHeader(value: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const [, target, params] = match;
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(params ?? '')?.[1];
    if (target === undefined || rel === undefined) continue;
    for (const name of rel.trim().split(/\s+/)) links[name.toLowerCase()] ??= target;
  }
  return links;
}

export interface PageByTokenOptions<I, R> {
  /** `token` is undefined for the first page. */
  fetchPage(token: string | undefined, page: number): Promise<R>;
  items(response: R): readonly I[];
  /** Jira's `nextPageToken`; undefined, null or empty when this was the last page. */
  nextToken(response: R): string | null | undefined;
  maxPages?: number;
}

/** Cursor paging; a token seen before ends paging (an upstream repeating itself would loop forever). */
export async function* pageByToken<I, R>(options: PageByTokenOptions<I, R>): AsyncGenerator<Page<I, R>, void> {
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await options.fetchPage(token, page);
    yield { items: options.items(response), page, response };
    const next = options.nextToken(response);
    if (next === undefined || next === null || next === '' || seen.has(next)) return;
    seen.add(next);
    token = next;
  }
}
