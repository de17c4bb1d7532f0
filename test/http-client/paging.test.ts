import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import {
  numberHeader,
  pageByNextLink,
  pageByNumber,
  pageByToken,
  parseLinkHeader,
  type Page,
} from '../../src/http/paging.js';
import type { HttpClient, UpstreamResponse } from '../../src/http/types.js';
import { fakeTime, startScriptServer, type Recorded, type Scripted, type ScriptServer } from './helpers.js';

const ITEMS = [1, 2, 3, 4, 5];

async function collect<I, R>(pages: AsyncIterable<Page<I, R>>): Promise<{ items: I[]; pages: number[] }> {
  const out = { items: [] as I[], pages: [] as number[] };
  for await (const p of pages) {
    out.items.push(...p.items);
    out.pages.push(p.page);
  }
  return out;
}

function slice(req: Recorded, total: number): { page: number; size: number; items: number[] } {
  const q = new URL(req.url, 'http://x').searchParams;
  const page = Number(q.get('page') ?? 0);
  const size = Number(q.get('size') ?? q.get('per_page') ?? 2);
  return { page, size, items: ITEMS.slice(0, total).slice(page * size, page * size + size) };
}

describe('paging helpers over a scripted server', () => {
  let server: ScriptServer;
  let http: HttpClient;
  beforeAll(async () => {
    server = await startScriptServer();
    http = createHttpClient({ baseUrl: server.url, ...fakeTime() });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  type Spring = UpstreamResponse<{ data: { content: number[]; last?: boolean } }>;
  const spring = (options: { total?: number; header?: boolean; lastFlag?: boolean }) => {
    server.fallback((req): Scripted => {
      const { page, size, items } = slice(req, options.total ?? ITEMS.length);
      const last = (page + 1) * size >= (options.total ?? ITEMS.length);
      const headers: Record<string, string> = options.header
        ? { 'X-Total-Elements': String(options.total ?? ITEMS.length) }
        : {};
      return { headers, body: { data: { content: items, ...(options.lastFlag ? { last } : {}) } } };
    });
    return (page: number, size: number) => http.get('ng/pipelines', { query: { page, size } }) as Promise<Spring>;
  };

  it('pageByNumber stops on Spring `last`', async () => {
    const fetchPage = spring({ lastFlag: true });
    const out = await collect(
      pageByNumber({ fetchPage, size: 2, items: (r) => r.body.data.content, isLast: (s) => s.response.body.data.last }),
    );
    expect(out).toEqual({ items: ITEMS, pages: [0, 1, 2] });
  });

  it('pageByNumber stops at X-Total-Elements, without asking for an empty page', async () => {
    const fetchPage = spring({ total: 4, header: true });
    const total = (s: { response: Spring }) => numberHeader(s.response.headers, 'X-Total-Elements');
    const out = await collect(pageByNumber({ fetchPage, size: 2, items: (r) => r.body.data.content, total }));
    expect(out).toEqual({ items: [1, 2, 3, 4], pages: [0, 1] });
    expect(server.requests).toHaveLength(2);
  });

  it('pageByNumber without a total stops at an empty last page (and yields it)', async () => {
    const fetchPage = spring({ total: 4 });
    const total = (s: { response: Spring }) => numberHeader(s.response.headers, 'X-Total-Elements');
    const out = await collect(pageByNumber({ fetchPage, size: 2, items: (r) => r.body.data.content, total }));
    expect(out).toEqual({ items: [1, 2, 3, 4], pages: [0, 1, 2] });
    expect(server.requests.map((r) => r.url)).toContain('/ng/pipelines?page=2&size=2');
  });

  it('pageByNumber without a total stops at a short page, counting pages from `first`', async () => {
    const fetchPage = spring({});
    const asked: number[] = [];
    const out = await collect(
      pageByNumber({
        fetchPage: (n, size) => {
          asked.push(n);
          return fetchPage(n - 1, size);
        },
        first: 1,
        size: 2,
        items: (r) => r.body.data.content,
      }),
    );
    expect(out).toEqual({ items: ITEMS, pages: [0, 1, 2] });
    expect(asked).toEqual([1, 2, 3]);
  });

  it('pageByNextLink follows Link rel="next" (GitLab keyset paging)', async () => {
    server.fallback((req) => {
      const { page, items } = slice(req, ITEMS.length);
      const next = (page + 1) * 2 < ITEMS.length;
      const link = `<${server.url}/projects?page=${page + 1}&per_page=2>; rel="next", <${server.url}/projects?page=0>; rel="first"`;
      return { body: items, headers: next ? { link } : undefined };
    });
    const out = await collect(
      pageByNextLink({
        url: 'projects?per_page=2',
        fetchPage: (url) => http.get<number[]>(url),
        items: (r) => r.body,
      }),
    );
    expect(out).toEqual({ items: ITEMS, pages: [0, 1, 2] });
  });

  it('pageByNextLink falls back to X-Next-Page, and its empty value ends paging', async () => {
    server.fallback((req) => {
      const { page, items } = slice(req, 4);
      return { body: items, headers: { 'x-next-page': page < 2 ? String(page + 1) : '' } };
    });
    const out = await collect(
      pageByNextLink({
        url: `${server.url}/projects/1/pipelines?per_page=2&page=0`,
        fetchPage: (url) => http.get<number[]>(url),
        items: (r) => r.body,
      }),
    );
    expect(out).toEqual({ items: [1, 2, 3, 4], pages: [0, 1, 2] });
    expect(server.requests[2]?.url).toBe('/projects/1/pipelines?per_page=2&page=2');
  });

  it('pageByNextLink stops when a link points back to a page already seen', async () => {
    server.fallback(() => ({ body: [9], headers: { link: `</loop>; rel="next"` } }));
    const out = await collect(
      pageByNextLink({ url: `${server.url}/loop`, fetchPage: (u) => http.get<number[]>(u), items: (r) => r.body }),
    );
    expect(out.pages).toEqual([0]);
  });

  it('pageByToken follows nextPageToken (Jira) and stops without one', async () => {
    type Search = UpstreamResponse<{ issues: number[]; nextPageToken?: string; isLast: boolean }>;
    server.fallback((req) => {
      const token = JSON.parse(req.body || '{}').nextPageToken as string | undefined;
      const page = token === undefined ? 0 : Number(token.replace('t', ''));
      const issues = ITEMS.slice(page * 2, page * 2 + 2);
      const isLast = (page + 1) * 2 >= ITEMS.length;
      return { body: { issues, isLast, ...(isLast ? {} : { nextPageToken: `t${page + 1}` }) } };
    });
    const out = await collect(
      pageByToken({
        fetchPage: (token) => http.post('rest/api/3/search/jql', { jql: 'x', nextPageToken: token }) as Promise<Search>,
        items: (r) => r.body.issues,
        nextToken: (r) => r.body.nextPageToken,
      }),
    );
    expect(out).toEqual({ items: ITEMS, pages: [0, 1, 2] });
  });

  it('pageByToken stops on a repeated token', async () => {
    const out = await collect(
      pageByToken({ fetchPage: async () => ({ n: [1], t: 'same' }), items: (r) => r.n, nextToken: (r) => r.t }),
    );
    expect(out.pages).toEqual([0, 1]);
  });
});

describe('parseLinkHeader', () => {
  it('reads every rel, quoted or not', () => {
    const links = parseLinkHeader(
      '<https://h/a?page=2>; rel="next", <https://h/a?page=9>; rel=last,<https://h/a>;rel="prev first"',
    );
    expect(links).toEqual({
      next: 'https://h/a?page=2',
      last: 'https://h/a?page=9',
      prev: 'https://h/a',
      first: 'https://h/a',
    });
  });
});
