import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import type { HttpLogEvent, ResponseInfo } from '../../src/http/types.js';
import { fakeTime, startScriptServer, type ScriptServer } from './helpers.js';

describe('http client: requests and responses', () => {
  let server: ScriptServer;
  let other: ScriptServer;
  beforeAll(async () => {
    server = await startScriptServer();
    other = await startScriptServer();
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });
  afterEach(() => {
    server.requests.length = 0;
    other.requests.length = 0;
  });

  const client = (extra: Parameters<typeof createHttpClient>[0] = {}) => {
    const time = fakeTime();
    return createHttpClient({ baseUrl: `${server.url}/api/v1/`, clock: time.clock, sleep: time.sleep, ...extra });
  };

  it('parses JSON and reports status, lower-cased headers, final URL and attempts', async () => {
    server.script({ body: { items: [1, 2] }, headers: { 'X-Total-Elements': '2' } });
    const res = await client().get<{ items: number[] }>('/pipelines');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([1, 2]);
    expect(res.headers['x-total-elements']).toBe('2');
    expect(res.url).toBe(`${server.url}/api/v1/pipelines`);
    expect(res.attempts).toBe(1);
    expect(server.requests[0]?.headers['accept']).toBe('application/json');
  });

  it('returns text as is when asked, and undefined for an empty JSON body', async () => {
    server.script({ body: 'plain words', headers: { 'content-type': 'text/plain' } }, { status: 204 });
    expect((await client().get('notes', { parse: 'text' })).body).toBe('plain words');
    const empty = await client().request({ method: 'DELETE', url: 'notes/1' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeUndefined();
  });

  it('joins paths to the base URL and repeats array query parameters', async () => {
    server.script({ body: [] });
    await client().get('projects?simple=true', {
      query: { state: ['opened', 'merged'], per_page: 100, archived: false, skipped: undefined, none: null },
    });
    expect(server.requests[0]?.url).toBe(
      '/api/v1/projects?simple=true&state=opened&state=merged&per_page=100&archived=false',
    );
  });

  it('sends default headers, per-request headers and a JSON body', async () => {
    server.script({ body: { ok: true } });
    const http = client({ headers: { 'X-Api-Key': 'k1', 'X-Team': 'a' } });
    await http.post('search', { jql: 'project = X' }, { headers: { 'x-team': 'b', 'x-api-key': undefined } });
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['x-team']).toBe('b');
    expect(req?.headers['x-api-key']).toBeUndefined();
    expect(JSON.parse(req?.body ?? '')).toEqual({ jql: 'project = X' });
  });

  it('refuses a relative URL without a base URL, without echoing its query', async () => {
    const err = await createHttpClient()
      .get('projects?private_token=s3cr3t')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('invalid_upstream_url');
    expect((err as InputError).message).not.toContain('s3cr3t');
  });

  it('follows redirects, keeping credentials within the origin and dropping them outside it', async () => {
    other.script({ body: { moved: true } });
    server.script({ status: 302, headers: { location: '/api/v1/here' } });
    server.script({ status: 307, headers: { location: `${other.url}/elsewhere` } });
    const res = await client({ headers: { 'x-api-key': 'k1', authorization: 'Bearer t1' } }).get('start');
    expect(res.body).toEqual({ moved: true });
    expect(res.url).toBe(`${other.url}/elsewhere`);
    expect(server.requests.map((r) => r.headers['x-api-key'])).toEqual(['k1', 'k1']);
    expect(other.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(other.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('tells the hook and the log about every answer', async () => {
    server.script({ status: 503 }, { body: { ok: true }, headers: { 'set-cookie': 'sid=abc' } });
    const seen: ResponseInfo[] = [];
    const events: HttpLogEvent[] = [];
    await client({ onResponse: (r) => seen.push(r), log: (e) => events.push(e) }).get('x');
    expect(seen.map((r) => [r.status, r.attempt])).toEqual([
      [503, 1],
      [200, 2],
    ]);
    expect(seen[1]?.headers['set-cookie']).toBe('[REDACTED]');
    expect(events.map((e) => e.event)).toEqual([
      'request.start',
      'request.finish',
      'request.retry',
      'request.start',
      'request.finish',
    ]);
  });
});
