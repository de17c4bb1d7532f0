// The web app's sign-in over HTTP (no browser): cookie, CSRF, key revocation, roles. On both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from '../helpers/db.js';
import { addKey, makeInstance, startServer, type TestServer } from '../helpers/server.js';

describe.each(STORES)('web sessions on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const signIn = async (key: string) => {
    const res = await fetch(`${s.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    const body = (await res.json()) as Record<string, string> & { error?: { code: string } };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { res, body, cookie };
  };
  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(s.url + path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('turns a key into an httpOnly SameSite=Strict cookie holding a token, never the key', async () => {
    const { res, body, cookie } = await signIn(s.adminKey);
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^sei_session=ses_[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(setCookie).not.toContain(s.adminKey);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ tenant_id: 'acme', role: 'admin', key_name: 'admin key' });
    expect(body['key_prefix']).toBe(s.adminKey.slice(0, 10));
    expect(JSON.stringify(body)).not.toContain(s.adminKey);
    const stored = await s.db.query<{ token_hash: string }>('SELECT token_hash FROM web_sessions');
    expect(stored.map((r) => r.token_hash)).not.toContain(cookie.split('=')[1]);

    const who = await call('GET', '/v1/session', { cookie });
    expect(who.status).toBe(200);
    expect(((await who.json()) as { csrf_token: string }).csrf_token).toBe(body['csrf_token']);
    expect((await call('GET', '/v1/integrations', { cookie })).status).toBe(200);
  });

  it('needs the CSRF header for unsafe calls made with the cookie, not for calls made with a key', async () => {
    const { body, cookie } = await signIn(s.adminKey);
    const integration = { type: 'custom', name: `web-${Math.random()}` };
    const without = await call('POST', '/v1/integrations', { cookie }, integration);
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    const wrong = await call('POST', '/v1/integrations', { cookie, 'x-sei-csrf': 'nope' }, integration);
    expect(wrong.status).toBe(403);
    const other = await signIn(s.adminKey); // another session's token does not fit this one
    const mixed = await call(
      'POST',
      '/v1/integrations',
      { cookie, 'x-sei-csrf': other.body['csrf_token']! },
      integration,
    );
    expect(mixed.status).toBe(403);
    const ok = await call('POST', '/v1/integrations', { cookie, 'x-sei-csrf': body['csrf_token']! }, integration);
    expect(ok.status).toBe(201);
    expect((await s.api('POST', '/v1/integrations', { type: 'custom', name: `key-${Math.random()}` })).status).toBe(
      201,
    );
  });

  it('refuses unknown and ingestion keys', async () => {
    const unknown = await signIn('sei_unknown');
    expect(unknown.res.status).toBe(401);
    expect(unknown.body.error?.code).toBe('invalid_api_key');
    expect(unknown.res.headers.get('set-cookie')).toBeNull();
    const ingestion = await signIn(await addKey(s.db, 'acme', 'ingestion'));
    expect(ingestion.res.status).toBe(403);
    expect(ingestion.body.error?.code).toBe('insufficient_role');
  });

  it('ends with sign-out, and when its key is revoked', async () => {
    const a = await signIn(s.adminKey);
    const out = await call('DELETE', '/v1/session', { cookie: a.cookie, 'x-sei-csrf': a.body['csrf_token']! });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^sei_session=; .*Max-Age=0/);
    const after = await call('GET', '/v1/integrations', { cookie: a.cookie });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('session_expired');

    const key = await addKey(s.db, 'acme', 'admin');
    const b = await signIn(key);
    expect((await call('GET', '/v1/session', { cookie: b.cookie })).status).toBe(200);
    const keys = (await s.api('GET', '/v1/keys')).body as { keys: { id: string; prefix: string }[] };
    const id = keys.keys.find((k) => k.prefix === key.slice(0, 10))!.id;
    expect((await s.api('DELETE', `/v1/keys/${id}`)).status).toBeLessThan(300);
    expect((await call('GET', '/v1/session', { cookie: b.cookie })).status).toBe(401);
    expect((await call('GET', '/v1/integrations', { cookie: b.cookie })).status).toBe(401);
  });

  it('answers who is signed in without a session as 401, and the freshness of the data', async () => {
    const none = await call('GET', '/v1/session', {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('not_signed_in');
    const fresh = await s.api('GET', '/v1/freshness');
    expect(fresh.status).toBe(200);
    expect(fresh.body.as_of).toBeNull();
    expect(fresh.body.integrations.length).toBeGreaterThan(0);

    const { integrationId, guid } = await makeInstance(s);
    const run = { job_name: 'b', job_full_name: 'b', instance_name: 'J', instance_guid: guid, start_time: Date.now() };
    const posted = await s.api('POST', '/v1/custom-cicd', { ...run, duration: 1000, result: 'SUCCESS' });
    expect(posted.status).toBe(201);
    const after = await s.api('GET', '/v1/freshness');
    const mine = after.body.integrations.find((i: { integration_id: string }) => i.integration_id === integrationId);
    expect(mine.last_received_at).not.toBeNull();
    expect(mine.as_of).toBe(mine.last_received_at);
    expect(after.body.as_of).toBe(mine.as_of);
  });
});

describe.each(STORES)('web sessions behind https on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind, { env: { SEI_PUBLIC_URL: 'https://sei.example.com' } });
  });
  afterAll(async () => {
    await s.close();
  });

  it('marks the cookie Secure when browsers reach the server over https', async () => {
    const res = await fetch(`${s.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: s.adminKey }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
  });
});
