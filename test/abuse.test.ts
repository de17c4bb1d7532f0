// Abuse: per-key rate limits (429 + Retry-After), body and header size limits, slow clients cut off, security
// headers on every answer, CSRF refused. Real HTTP on a loopback port; the store-touching parts on both stores.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { SecretBox } from '../src/core/crypto.js';
import { defaultRegistry } from '../src/integrations/registry.js';
import { buildApp } from '../src/server/app.js';
import { TokenBuckets } from '../src/server/rate-limit.js';
import type { Db } from '../src/store/db.js';
import { createApiKey } from '../src/store/api-keys.js';
import { createTenant } from '../src/store/tenants.js';
import { freshDb, STORES } from './helpers/db.js';
import { run } from './helpers/runs.js';
import { addKey, makeInstance, startServer, type ApiResponse, type TestServer } from './helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every 4xx is JSON in the house shape. */
function expectJsonError(res: ApiResponse, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(res.body?.error?.code, res.text).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
}

async function send(url: string, init: RequestInit = {}): Promise<ApiResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // the test looks at text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A raw connection: what the server wrote, and whether and when it closed. */
interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<number>;
}

function rawConnect(url: string): Promise<Raw> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const started = Date.now();
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks).toString('latin1'), closed }));
    socket.once('error', reject);
  });
}

/** The JSON body of a raw HTTP/1.1 answer (Content-Length framed). */
function rawJson(text: string): { status: number; body: { error: { code: string; message: string } } } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body) };
}

const LIMITS = {
  SEI_RATE_LIMIT: '5',
  SEI_RATE_LIMIT_BURST: '30',
  SEI_RATE_LIMIT_ANONYMOUS: '1',
  SEI_RATE_LIMIT_ANONYMOUS_BURST: '5',
  SEI_BODY_LIMIT: String(64 * 1024),
  SEI_BULK_BODY_LIMIT: String(128 * 1024),
};

describe.each(STORES)('abuse on %s', (kind) => {
  let s: TestServer;
  let guid: string;
  beforeAll(async () => {
    s = await startServer(kind, { env: LIMITS });
    ({ guid } = await makeInstance(s));
  });
  afterAll(async () => {
    await s.close();
  });

  it('limits each API key on its own: 429 with Retry-After and the house error, then lets it in again', async () => {
    const [k1, k2] = [await addKey(s.db, 'acme', 'admin'), await addKey(s.db, 'acme', 'ingestion')];
    // Known keys: a new one's first calls count against this address's small budget for unknown credentials.
    expect((await s.api('GET', '/v1/integrations', undefined, { key: k1 })).status).toBe(200);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => s.api('GET', '/v1/integrations', undefined, { key: k1 })),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok.length + limited.length).toBe(100);
    // The burst of 30, plus what 5/s refills while the 100 are answered.
    expect(ok.length).toBeGreaterThanOrEqual(30);
    expect(ok.length).toBeLessThanOrEqual(30 + Math.ceil(elapsedS * 5) + 1);
    expect(limited.length).toBeGreaterThan(0);
    const first = limited[0]!;
    expectJsonError(first, 429, 'rate_limited');
    const retryAfter = first.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(first.headers.get('ratelimit-limit')).toBe('30');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(ok[0]!.headers.get('ratelimit-limit')).toBe('30');

    // Another key of the same tenant, the health checks and the web app are not held back by k1's flood.
    const sent = await s.api('POST', '/v1/custom-cicd', run(guid), { key: k2 });
    expect(sent.status, sent.text).toBe(201);
    for (let i = 0; i < 15; i++) expect((await s.api('GET', '/healthz', undefined, { key: null })).status).toBe(200);

    await sleep(Number(retryAfter) * 1000 + 100);
    expect((await s.api('GET', '/v1/integrations', undefined, { key: k1 })).status).toBe(200);
  });

  it("counts a web session against its key's budget", async () => {
    const key = await addKey(s.db, 'acme', 'admin');
    const signIn = await send(`${s.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await send(`${s.url}/v1/integrations`, { headers: { cookie } })).status).toBe(200);
    expect((await s.api('GET', '/v1/cicd/instances', undefined, { key })).status).toBe(200);
    const codes = await Promise.all(
      Array.from({ length: 80 }, async (_, i) =>
        i % 2 === 0
          ? (await send(`${s.url}/v1/integrations`, { headers: { cookie } })).status
          : (await s.api('GET', '/v1/cicd/instances', undefined, { key })).status,
      ),
    );
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
  });

  it('refuses an oversize body with 413 naming the limit, on the run and the bulk route', async () => {
    const big = run(guid, { pipeline: 'big', x: 'a'.repeat(70_000) });
    const single = await s.api('POST', '/v1/custom-cicd', big);
    expectJsonError(single, 413, 'body_too_large');
    expect(single.body.error.message).toContain('65536');
    const line = JSON.stringify(run(guid, { pipeline: 'big' }));
    const bulkBody = Array.from({ length: Math.ceil(140_000 / line.length) }, () => line).join('\n');
    const bulk = await s.api('POST', '/v1/custom-cicd/bulk', undefined, {
      raw: bulkBody,
      contentType: 'application/x-ndjson',
    });
    expectJsonError(bulk, 413, 'body_too_large');
    expect(bulk.body.error.message).toContain('131072');
    // Under the bulk limit the same route takes more than the single-run limit.
    const runs = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM cicd_runs WHERE pipeline = 'big'");
    expect(runs[0]!.n).toBe(0);
    const lines = Array.from({ length: 40 }, () =>
      JSON.stringify(run(guid, { pipeline: 'fits', x: 'a'.repeat(2000) })),
    );
    const fits = await s.api('POST', '/v1/custom-cicd/bulk', undefined, {
      raw: lines.join('\n'),
      contentType: 'application/x-ndjson',
    });
    expect(fits.status, fits.text.slice(0, 500)).toBe(200);
    expect(fits.body.accepted).toBe(40);
  });

  it('answers 413 to a chunked body while it is still arriving, without reading it all', async () => {
    const url = new URL('/v1/custom-cicd', s.url);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const cap = 32 * 1024 * 1024;
    let written = 0;
    const result = await new Promise<{ status: number; body: string; writtenAtAnswer: number }>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { authorization: `ApiKey ${s.adminKey}`, 'content-type': 'application/json' },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        const at = written;
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), writtenAtAnswer: at });
          req.destroy();
        });
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      req.write('{"pipeline":"p","x":"');
      const pump = (): void => {
        while (!answered && written < cap) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end('"}');
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('body_too_large');
    // The answer came long before the sender would have finished.
    expect(result.writtenAtAnswer).toBeLessThan(cap);
    expect((await s.api('GET', '/healthz', undefined, { key: null })).status).toBe(200);
  });

  it('refuses a huge header or URL with a JSON 431 and keeps serving', async () => {
    for (const head of [
      `GET /v1/integrations HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      `GET /v1/cicd/runs?pipeline=${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]) {
      const raw = await rawConnect(s.url);
      raw.socket.write(head);
      await raw.closed;
      const answer = rawJson(raw.received());
      expect(answer.status).toBe(431);
      expect(answer.body.error.code).toBe('headers_too_large');
    }
    expect((await s.api('GET', '/v1/integrations')).status).toBe(200);
  });

  it('refuses cookie-authenticated changes without the CSRF header, or from another site; they change nothing', async () => {
    const signIn = await send(`${s.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: s.url },
      body: JSON.stringify({ key: s.adminKey }),
    });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = signIn.body.csrf_token as string;
    const before = await s.api('GET', '/v1/integrations');
    const integrationId = before.body.integrations[0].id as string;
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ type: 'custom', name: 'csrf-attempt' });
    const evil = 'https://evil.example';

    const attempts: [string, RequestInit, number, string][] = [
      ['POST, no header', { method: 'POST', headers: { cookie, ...json }, body }, 403, 'csrf_failed'],
      [
        'POST, wrong header',
        { method: 'POST', headers: { cookie, ...json, 'x-sei-csrf': 'x'.repeat(43) }, body },
        403,
        'csrf_failed',
      ],
      [
        'form POST from another site',
        {
          method: 'POST',
          headers: { cookie, origin: evil, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'type=custom&name=csrf-attempt',
        },
        403,
        'cross_site_request',
      ],
      [
        'text/plain POST, no Origin',
        { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body },
        403,
        'csrf_failed',
      ],
      [
        'right header but another Origin',
        { method: 'POST', headers: { cookie, ...json, 'x-sei-csrf': csrf, origin: evil }, body },
        403,
        'cross_site_request',
      ],
      [
        'right header but Sec-Fetch-Site: cross-site',
        { method: 'POST', headers: { cookie, ...json, 'x-sei-csrf': csrf, 'sec-fetch-site': 'cross-site' }, body },
        403,
        'cross_site_request',
      ],
      [
        'Origin: null',
        { method: 'POST', headers: { cookie, ...json, 'x-sei-csrf': csrf, origin: 'null' }, body },
        403,
        'cross_site_request',
      ],
      [
        'PATCH, no header',
        { method: 'PATCH', headers: { cookie, ...json }, body: JSON.stringify({ name: 'renamed' }) },
        403,
        'csrf_failed',
      ],
      ['DELETE, no header', { method: 'DELETE', headers: { cookie } }, 403, 'csrf_failed'],
      ['DELETE from another site', { method: 'DELETE', headers: { cookie, origin: evil } }, 403, 'cross_site_request'],
    ];
    for (const [what, init, status, code] of attempts) {
      const path = init.method === 'POST' ? '/v1/integrations' : `/v1/integrations/${integrationId}`;
      const res = await send(s.url + path, init);
      expect(res.status, `${what}: ${res.text}`).toBe(status);
      expect(res.body?.error?.code, what).toBe(code);
    }
    // Sign-out and a sign-in forced on the browser from another site are refused too.
    const signOut = await send(`${s.url}/v1/session`, { method: 'DELETE', headers: { cookie } });
    expectJsonError(signOut, 403, 'csrf_failed');
    const loginCsrf = await send(`${s.url}/v1/session`, {
      method: 'POST',
      headers: { ...json, origin: evil },
      body: JSON.stringify({ key: s.adminKey }),
    });
    expectJsonError(loginCsrf, 403, 'cross_site_request');
    expect(loginCsrf.headers.get('set-cookie')).toBeNull();

    const after = await s.api('GET', '/v1/integrations');
    expect(after.body).toEqual(before.body);
    expect((await send(`${s.url}/v1/session`, { headers: { cookie } })).status).toBe(200);

    // The page itself: same origin, the right header.
    const ok = await send(`${s.url}/v1/integrations`, {
      method: 'POST',
      headers: { cookie, ...json, 'x-sei-csrf': csrf, origin: s.url, 'sec-fetch-site': 'same-origin' },
      body,
    });
    expect(ok.status, ok.text).toBe(201);
    // A script with a key needs neither (and a browser-looking Origin does not matter to it).
    const script = await s.api(
      'POST',
      '/v1/integrations',
      { type: 'custom', name: 'by-key' },
      { headers: { origin: evil } },
    );
    expect(script.status).toBe(201);
  });

  it('sends the security headers on API answers, errors and health; no-store on data', async () => {
    for (const res of [
      await s.api('GET', '/v1/integrations'),
      await s.api('GET', '/v1/integrations', undefined, { key: null }),
      await s.api('GET', '/v1/nope'),
      await s.api('GET', '/healthz', undefined, { key: null }),
      await s.api('GET', '/openapi.json', undefined, { key: null }),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      // Plain http and no https SEI_PUBLIC_URL: HSTS would mean nothing.
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  // Last: it locks this test's address out for a moment.
  it('limits failed sign-ins per client address: a key guesser gets 429, a working key does not', async () => {
    expect((await s.api('GET', '/v1/integrations')).status).toBe(200); // the admin key worked lately
    const started = Date.now();
    const guesses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        i % 5 === 0
          ? send(`${s.url}/v1/session`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ key: `sei_guess${i}` }),
            })
          : s.api('GET', '/v1/integrations', undefined, { key: `sei_guess${i}` }),
      ),
    );
    const statuses = guesses.map((g) => g.status);
    expect(statuses.every((c) => c === 401 || c === 429)).toBe(true);
    // At most the burst of 5 (one went to an earlier test) plus 1/s of refill is even looked at.
    const looked = statuses.filter((c) => c === 401).length;
    expect(looked).toBeGreaterThanOrEqual(1);
    expect(looked).toBeLessThanOrEqual(5 + Math.ceil((Date.now() - started) / 1000) + 1);
    const limited = guesses.find((g) => g.status === 429)!;
    expect(limited).toBeDefined();
    expectJsonError(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await s.api('GET', '/v1/integrations')).status).toBe(200);
  });
});

/** The app over a fresh PGlite store with tenant "acme", listening on a loopback port, under `env` (and a web root). */
async function listenApp(
  env: Record<string, string>,
  webRoot?: string,
): Promise<{ app: FastifyInstance; db: Db; url: string; close(): Promise<void> }> {
  const db = await freshDb('pglite');
  await createTenant(db, 'acme', 'Acme');
  const app = await buildApp({
    db,
    config: loadConfig({ SEI_DATA_DIR: '/nonexistent', ...env }),
    registry: defaultRegistry([]),
    box: new SecretBox(Buffer.alloc(32, 3)),
    ...(webRoot === undefined ? {} : { webRoot }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  return {
    app,
    db,
    url,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

// Store-independent: one app with short client time limits, an https SEI_PUBLIC_URL and a small built web app.
describe('slow clients (1 s for headers, 2 s for the request) and the web app page', () => {
  let app: FastifyInstance;
  let db: Db;
  let url: string;
  let root: string;
  let adminKey: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sei-abuse-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>OpenSEI</title>');
    writeFileSync(join(root, 'assets', 'app-123.js'), 'console.log(1)');
    ({ app, db, url } = await listenApp(
      {
        SEI_PUBLIC_URL: 'https://sei.example.com',
        SEI_HEADERS_TIMEOUT_MS: '1000',
        SEI_REQUEST_TIMEOUT_MS: '2000',
      },
      root,
    ));
    adminKey = (await createApiKey(db, 'acme', 'admin', 'admin')).key;
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (path: string, key?: string) =>
    send(url + path, key === undefined ? {} : { headers: { authorization: `ApiKey ${key}` } });

  /** Sends `parts` one by one `every` ms apart until the server closes the connection. */
  const trickle = async (raw: Raw, parts: () => string, every: number): Promise<number> => {
    let open = true;
    void raw.closed.then(() => (open = false));
    const drip = (async () => {
      while (open) {
        raw.socket.write(parts());
        await sleep(every);
      }
    })();
    const ms = await raw.closed;
    await drip;
    return ms;
  };

  it('cuts off a client that sends its headers a line at a time (slowloris), with a 408, serving others meanwhile', async () => {
    const raws = await Promise.all(Array.from({ length: 20 }, () => rawConnect(url)));
    for (const r of raws) r.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    let n = 0;
    const cut = Promise.all(raws.map((r) => trickle(r, () => `X-Slow-${n++}: 1\r\n`, 300)));
    // Others are served while the slow ones hang on.
    for (let i = 0; i < 5; i++) {
      expect((await get('/v1/integrations', adminKey)).status).toBe(200);
      await sleep(100);
    }
    const times = await cut;
    for (const ms of times) expect(ms).toBeLessThan(30_000);
    const answer = rawJson(raws[0]!.received());
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('request_timeout');
  });

  it('cuts off a client that sends its body a byte at a time', async () => {
    const raw = await rawConnect(url);
    raw.socket.write(
      'POST /v1/custom-cicd HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: ApiKey ${adminKey}\r\nContent-Length: 10000\r\n\r\n{`,
    );
    const ms = await trickle(raw, () => ' ', 250);
    expect(ms).toBeLessThan(30_000);
    const answer = rawJson(raw.received());
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('request_timeout');
    expect((await get('/healthz')).status).toBe(200);
  });

  it('closes a connection that sends nothing', async () => {
    const raw = await rawConnect(url);
    expect(await raw.closed).toBeLessThan(30_000);
    expect(rawJson(raw.received())).toMatchObject({ status: 408, body: { error: { code: 'request_timeout' } } });
  });

  it('sends the security headers with the page, keeps its caching, and HSTS when served over https', async () => {
    const page = await fetch(`${url}/integrations`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const asset = await fetch(`${url}/assets/app-123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect(asset.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const api = await fetch(`${url}/v1/integrations`);
    expect(api.status).toBe(401);
    expect(api.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(api.headers.get('cache-control')).toBe('no-store');
  });
});

describe('token buckets', () => {
  it('refill at the rate, say when to retry, and forget idle callers so the map stays bounded', () => {
    let now = 1_000_000;
    const b = new TokenBuckets({ rate: 2, burst: 3 }, () => now, 100);
    expect([1, 2, 3, 4].map(() => b.take('k').ok)).toEqual([true, true, true, false]);
    expect(b.take('k')).toMatchObject({ ok: false, remaining: 0, retryAfter: 1, reset: 2 });
    now += 500; // one token back at 2/s
    expect(b.take('k').ok).toBe(true);
    expect(b.take('k').ok).toBe(false);

    for (let i = 0; i < 1000; i++) b.take(`ip-${i}`);
    expect(b.size).toBeLessThanOrEqual(100);
    now += 60_000; // every bucket full again: the same as none
    b.take('late');
    expect(b.size).toBe(1);
  });
});

// Behind a reverse proxy every client arrives from the proxy's address: SEI_TRUST_PROXY makes the limit per client.
describe('failed sign-ins behind a reverse proxy (SEI_TRUST_PROXY)', () => {
  const started: { close(): Promise<void> }[] = [];
  const serve = async (trust: Record<string, string>): Promise<string> => {
    const served = await listenApp({ SEI_RATE_LIMIT_ANONYMOUS: '1', SEI_RATE_LIMIT_ANONYMOUS_BURST: '2', ...trust });
    started.push(served);
    return served.url;
  };
  afterAll(async () => {
    for (const served of started) await served.close();
  });
  const guess = (url: string, client: string) =>
    send(`${url}/v1/integrations`, { headers: { authorization: 'ApiKey sei_guess', 'x-forwarded-for': client } });

  it('counts each forwarded client apart when the proxy is trusted, and ignores the header when it is not', async () => {
    const trusted = await serve({ SEI_TRUST_PROXY: 'loopback' });
    const a = [
      await guess(trusted, '203.0.113.1'),
      await guess(trusted, '203.0.113.1'),
      await guess(trusted, '203.0.113.1'),
    ];
    expect(a.map((r) => r.status)).toEqual([401, 401, 429]);
    expectJsonError(a[2]!, 429, 'rate_limited');
    // Another client behind the same proxy has its own budget.
    expect((await guess(trusted, '198.51.100.7')).status).toBe(401);

    // Not trusted: the header is the client's word, and everyone is the proxy's address.
    const direct = await serve({});
    expect((await guess(direct, '203.0.113.1')).status).toBe(401);
    expect((await guess(direct, '203.0.113.2')).status).toBe(401);
    expect((await guess(direct, '203.0.113.3')).status).toBe(429);
  });

  it('refuses a setting that names no proxy', () => {
    for (const bad of ['yes', '10.0.0.0/33', '300.1.1.1', '0', '1.2.3.4/8/9']) {
      expect(() => loadConfig({ SEI_DATA_DIR: '/nonexistent', SEI_TRUST_PROXY: bad }), bad).toThrow(/SEI_TRUST_PROXY/);
    }
    for (const good of ['2', '10.0.0.0/8, ::1', 'loopback,uniquelocal', '192.168.1.10']) {
      expect(loadConfig({ SEI_DATA_DIR: '/nonexistent', SEI_TRUST_PROXY: good }).trustProxy, good).not.toBe(false);
    }
  });
});
