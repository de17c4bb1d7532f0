// The three paging styles of the Harness APIs the fake serves.

export interface Slice<T> {
  items: T[];
  total: number;
}

export function slice<T>(items: readonly T[], page: number, size: number): Slice<T> {
  return { items: items.slice(page * size, page * size + size), total: items.length };
}

const SORTED = { unsorted: false, sorted: true, empty: false };

/** A Spring Data `Page` (pipeline service), as PageImpl serializes it. */
export function springPage<T>(content: T[], total: number, page: number, size: number): Record<string, unknown> {
  const totalPages = Math.ceil(total / size);
  return {
    content,
    pageable: {
      sort: { ...SORTED },
      pageNumber: page,
      pageSize: size,
      offset: page * size,
      paged: true,
      unpaged: false,
    },
    last: page + 1 >= totalPages,
    totalPages,
    totalElements: total,
    sort: { ...SORTED },
    first: page === 0,
    numberOfElements: content.length,
    size,
    number: page,
    empty: content.length === 0,
  };
}

/** NG `PageResponse` (platform service legacy lists). */
export function ngPage<T>(content: T[], total: number, pageIndex: number, pageSize: number): Record<string, unknown> {
  return {
    totalPages: Math.ceil(total / pageSize),
    totalItems: total,
    pageItemCount: content.length,
    pageSize,
    content,
    pageIndex,
    empty: content.length === 0,
  };
}

/** `/v1` paging: the body is a bare array, the metadata is in headers (plus an RFC 5988 Link). */
export function v1Headers(requestUrl: URL, total: number, page: number, limit: number): Record<string, string> {
  const link = (p: number, rel: string): string => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(p));
    url.searchParams.set('limit', String(limit));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [link(page, 'self')];
  if (page > 0) links.push(link(page - 1, 'previous'));
  if ((page + 1) * limit < total) links.push(link(page + 1, 'next'));
  return {
    'X-Total-Elements': String(total),
    'X-Page-Number': String(page),
    'X-Page-Size': String(limit),
    Link: links.join(', '),
  };
}
