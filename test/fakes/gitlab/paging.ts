// GitLab's two paging styles (UPSTREAM-APIS B.3). Offset: `page`/`per_page` (default 20, clamped to 100)
// and the `x-*` headers plus an RFC 8288 `link`; past `totalsThreshold` rows the totals and rel="last"
// are left out, as GitLab does above 10,000. Keyset (`pagination=keyset`, projects ordered by id): only a
// `link` rel="next" carrying `id_after`/`id_before`, absent on the last page.

import { keysetUnavailable } from './errors.js';
import type { Params, SortDirection } from './params.js';

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export interface PageRequest {
  page: number;
  perPage: number;
}

export function pageRequest(params: Params): PageRequest {
  const page = params.int('page', 1);
  const perPage = params.int('per_page', 20);
  return { page: Math.max(1, page), perPage: perPage < 1 ? 20 : Math.min(100, perPage) };
}

function linkTo(url: URL, changes: Record<string, string | number>, drop: readonly string[] = []): string {
  const next = new URL(url);
  for (const name of drop) next.searchParams.delete(name);
  for (const [name, value] of Object.entries(changes)) next.searchParams.set(name, String(value));
  return next.toString();
}

export function offsetPage<T>(items: readonly T[], req: PageRequest, url: URL, totalsThreshold: number): Page<T> {
  const { page, perPage } = req;
  const total = items.length;
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  const hasNext = start + perPage < total;
  const withTotals = total <= totalsThreshold;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const rel = (p: number, name: string) => `<${linkTo(url, { page: p, per_page: perPage })}>; rel="${name}"`;
  const links = [
    ...(page > 1 ? [rel(page - 1, 'prev')] : []),
    ...(hasNext ? [rel(page + 1, 'next')] : []),
    rel(1, 'first'),
    ...(withTotals ? [rel(totalPages, 'last')] : []),
  ];
  return {
    items: slice,
    headers: {
      'x-next-page': hasNext ? String(page + 1) : '',
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-prev-page': page > 1 ? String(page - 1) : '',
      ...(withTotals ? { 'x-total': String(total), 'x-total-pages': String(totalPages) } : {}),
      link: links.join(', '),
    },
  };
}

/** Keyset paging over items already sorted by id in `dir`; only `order_by=id` is supported. */
export function keysetPage<T extends { id: number }>(
  items: readonly T[],
  params: Params,
  url: URL,
  dir: SortDirection,
  orderBy: string,
): Page<T> {
  if (orderBy !== 'id') throw keysetUnavailable();
  const perPage = pageRequest(params).perPage;
  const after = params.int('id_after');
  const before = params.int('id_before');
  const rest = items.filter((i) => (after === undefined || i.id > after) && (before === undefined || i.id < before));
  params.done();
  const slice = rest.slice(0, perPage);
  const last = slice.at(-1);
  const headers: Record<string, string> = {};
  if (last && rest.length > perPage) {
    const cursor: Record<string, number> = dir === 'asc' ? { id_after: last.id } : { id_before: last.id };
    headers.link = `<${linkTo(url, cursor, ['id_after', 'id_before', 'page'])}>; rel="next"`;
  }
  return { items: slice, headers };
}
