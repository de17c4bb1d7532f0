// Secrets are never stored, logged or answered in clear: upstream API keys and tokens (Harness NG, GitLab PAT),
// a GitLab OAuth client secret and the access and refresh tokens of a real sign-in, API keys and a web session
// token. Everything the server and the sync worker log is captured; the whole database is read back as text
// (and, on PGlite, as the bytes of its data folder); every answer the API gave is kept and searched.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import { SecretBox, sha256Hex } from '../src/core/crypto.js';
import { CredentialStore } from '../src/store/credentials.js';
import { PgliteDb } from '../src/store/pglite-db.js';
import { startFakeGitLab, type FakeGitLab } from './fakes/gitlab/server.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type ApiResponse, type RequestOptions, type TestServer, virtualTime } from './helpers/server.js';

const HOUR = 3_600_000;
const mark = (what: string) => `hx-SECRET-${what}-${randomBytes(12).toString('hex')}`;

/** Each way a secret could show up: as is, base64 (with and without padding, url-safe) and hex. */
function encodings(value: string): Record<string, string> {
  const b = Buffer.from(value, 'utf8');
  return {
    plain: value,
    base64: b.toString('base64').replace(/=+$/, ''),
    base64url: b.toString('base64url'),
    hex: b.toString('hex'),
    HEX: b.toString('hex').toUpperCase(),
  };
}

/** Which secrets (by name and encoding) occur in the text or bytes. */
function leaks(haystack: string | Uint8Array, secrets: Map<string, string>): string[] {
  const found: string[] = [];
  const bytes = typeof haystack === 'string' ? undefined : Buffer.from(haystack);
  for (const [name, value] of secrets) {
    for (const [how, needle] of Object.entries(encodings(value))) {
      const hit = bytes === undefined ? (haystack as string).includes(needle) : bytes.includes(Buffer.from(needle));
      if (hit) found.push(`${name} (${how})`);
    }
  }
  return found;
}

describe.each(STORES)('secrets on %s', (kind) => {
  let harness: FakeHarness;
  let gitlab: FakeGitLab;
  let s: TestServer;
  const logLines: string[] = [];
  /** Every answer of the API during the test, except the ones that hand a new key out once by design. */
  const answers: { what: string; text: string }[] = [];
  /** Every secret of the test, by name. */
  const secrets = new Map<string, string>();
  /** Secrets the API hands out by design but must never be stored in clear nor logged. */
  const stored = new Map<string, string>();
  /** A value the server logs in clear on purpose (a query parameter): the log search must find it. */
  const LOG_CANARY = `hx-CANARY-${randomBytes(8).toString('hex')}`;
  const OAUTH_NAME = `GitLab OAuth ${randomBytes(4).toString('hex')}`;
  const ids: Record<string, string> = {};
  const jobs: string[] = [];
  const credentials = new CredentialStore(new SecretBox(Buffer.alloc(32, 7)));
  let sessionToken = '';
  const createdKeys: { role: string; key: string }[] = [];

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
    record = true,
  ): Promise<ApiResponse> => {
    const res = await s.api(method, path, body, options);
    if (record) {
      const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
      answers.push({ what: `${method} ${path} -> ${res.status}`, text: `${headers}\n\n${res.text}` });
    }
    return res;
  };

  const syncNow = async (id: string): Promise<{ status: string; error?: { code: string } }> => {
    const queued = await call('POST', `/v1/integrations/${id}/sync`, {});
    expect(queued.status, queued.text).toBe(202);
    jobs.push(queued.body.id);
    await s.worker.runNext();
    return (await call('GET', `/v1/sync/jobs/${queued.body.id}`)).body;
  };

  /** The browser's part of "Sign in with GitLab"; answers the authorization code GitLab sent back. */
  const signIn = async (id: string): Promise<string> => {
    const started = await call('POST', `/v1/integrations/${id}/oauth/authorize`);
    expect(started.status, started.text).toBe(200);
    // The state is handed out by design (in the authorize URL), so it is checked in the database and logs only.
    stored.set('OAuth state', new URL(started.body.authorize_url).searchParams.get('state')!);
    const atGitLab = await fetch(started.body.authorize_url, { redirect: 'manual' });
    expect(atGitLab.status).toBe(302);
    const location = atGitLab.headers.get('location')!;
    const back = await fetch(location, { redirect: 'manual' });
    const html = await back.text();
    answers.push({ what: `GET /v1/oauth/callback -> ${back.status}`, text: html });
    expect(back.status, html).toBe(200);
    return new URL(location).searchParams.get('code')!;
  };

  const addOAuthTokens = async (id: string, label: string) => {
    const t = (await credentials.load(s.db, 'acme', id))!;
    secrets.set(`OAuth access token (${label})`, t.access_token);
    secrets.set(`OAuth refresh token (${label})`, t.refresh_token);
  };

  beforeAll(async () => {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    harness = await startFakeHarness({ seed: 5, now, days: 2, executionsPerDay: 2, orgCount: 1 });
    gitlab = await startFakeGitLab({ seed: 9, now, days: 2, pipelinesPerDay: 1 });
    s = await startServer(kind, {
      connectors: [harnessConnector as Connector<never>, gitlabConnector as Connector<never>],
      ...virtualTime(() => gitlab.now()),
      logSink: (line) => logLines.push(line),
    });

    // Known, distinctive secrets, accepted by the fakes.
    const harnessSecret = mark('harness');
    const harnessKey = harness.addKey({
      token: `pat.${harness.accountId}.hxTokenId${randomBytes(6).toString('hex')}.${harnessSecret}`,
    });
    const harnessWrongSecret = mark('harness-wrong');
    const harnessWrongKey = `pat.${harness.accountId}.hxWrongId${randomBytes(6).toString('hex')}.${harnessWrongSecret}`;
    const gitlabPat = mark('glpat');
    // The fake's addToken passes `token` through to its token store (TokenSpec does not list it).
    const patSpec = { token: gitlabPat, name: 'secrets test' };
    gitlab.addToken(patSpec);
    const gitlabWrongPat = mark('glpat-wrong');
    const clientSecret = mark('oauth-client');
    const app = gitlab.addOAuthApp({ redirectUri: `${s.url}/v1/oauth/callback`, name: 'OpenSEI', clientSecret });
    secrets.set('Harness API key', harnessKey);
    secrets.set('Harness API key, secret part', harnessSecret);
    secrets.set('wrong Harness API key', harnessWrongKey);
    secrets.set('wrong Harness API key, secret part', harnessWrongSecret);
    secrets.set('GitLab PAT', gitlabPat);
    secrets.set('wrong GitLab PAT', gitlabWrongPat);
    secrets.set('GitLab OAuth client secret', clientSecret);
    secrets.set('admin API key (first)', s.adminKey);
    secrets.set('server sealing key (hex)', Buffer.alloc(32, 7).toString('hex'));

    // API keys made through the API: their one answer is the only place they may appear.
    for (const role of ['admin', 'ingestion']) {
      const made = await call('POST', '/v1/keys', { name: `${role} for secrets`, role }, undefined, false);
      expect(made.status, made.text).toBe(201);
      expect(made.text).toContain(made.body.key);
      createdKeys.push({ role, key: made.body.key });
      secrets.set(`${role} API key (made by POST /v1/keys)`, made.body.key);
    }
    // The ingestion key is used once, so it is looked up (and could be logged) like any key.
    expect((await call('GET', '/v1/cicd/runs', undefined, { key: createdKeys[1]!.key })).status).toBe(403);

    // Web sign-in: the session token travels only in Set-Cookie.
    const signedIn = await s.api('POST', '/v1/session', { key: createdKeys[0]!.key }, { key: null });
    expect(signedIn.status, signedIn.text).toBe(201);
    answers.push({ what: 'POST /v1/session -> 201 (body only)', text: signedIn.text });
    sessionToken = /sei_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!;
    expect(sessionToken).toMatch(/^ses_/);
    secrets.set('web session token', decodeURIComponent(sessionToken));
    const cookie = { key: null, headers: { cookie: `sei_session=${sessionToken}` } };
    expect((await call('GET', '/v1/session', undefined, cookie)).status).toBe(200);
    expect((await call('GET', '/v1/integrations', undefined, cookie)).status).toBe(200);

    // Integrations: two good, two with a wrong secret, one OAuth.
    const install = async (name: string, type: string, settings: Record<string, unknown>) => {
      const res = await call('POST', '/v1/integrations', { type, name, settings });
      expect(res.status, res.text).toBe(201);
      ids[name] = res.body.id;
      return res.body.id as string;
    };
    await install('Harness good', 'harnessng', {
      url: harness.url,
      api_key: harnessKey,
      account_id: harness.accountId,
      history_days: 2,
    });
    await install('Harness wrong key', 'harnessng', {
      url: harness.url,
      api_key: harnessWrongKey,
      account_id: harness.accountId,
      history_days: 2,
    });
    // data/dashboards: the fake's main user is only a Guest there.
    const gl = { url: gitlab.url, exclude_projects: 'data/dashboards', history_days: 2 };
    await install('GitLab PAT', 'gitlab', { ...gl, token: gitlabPat });
    await install('GitLab wrong PAT', 'gitlab', { ...gl, token: gitlabWrongPat });
    const oauthId = await install(OAUTH_NAME, 'gitlab', {
      ...gl,
      auth: 'oauth',
      oauth_client_id: app.clientId,
      oauth_client_secret: clientSecret,
    });

    // Validate Connection before saving, with a wrong secret and a good one.
    for (const [type, settings] of [
      ['harnessng', { url: harness.url, api_key: harnessWrongKey, account_id: harness.accountId }],
      ['harnessng', { url: harness.url, api_key: harnessKey, account_id: harness.accountId }],
      ['gitlab', { url: gitlab.url, token: gitlabWrongPat }],
      ['gitlab', { url: gitlab.url, token: gitlabPat }],
    ] as const) {
      expect((await call('POST', '/v1/integrations/validate', { type, settings })).status).toBe(200);
    }

    // OAuth: not signed in yet (an error path), then the real code flow.
    expect((await call('POST', `/v1/integrations/${oauthId}/validate`, {})).body.outcome).toBe('invalid_credentials');
    expect((await syncNow(oauthId)).status).toBe('failed');
    const code = await signIn(oauthId);
    secrets.set('OAuth authorization code', code);
    await addOAuthTokens(oauthId, 'first sign-in');

    // Validate Connection and a sync of each saved integration.
    const expected: Record<string, [string, string]> = {
      'Harness good': ['ok', 'succeeded'],
      'Harness wrong key': ['invalid_credentials', 'failed'],
      'GitLab PAT': ['ok', 'succeeded'],
      'GitLab wrong PAT': ['invalid_credentials', 'failed'],
      [OAUTH_NAME]: ['ok', 'succeeded'],
    };
    for (const [name, [outcome, status]] of Object.entries(expected)) {
      const report = await call('POST', `/v1/integrations/${ids[name]}/validate`, {});
      expect(report.body.outcome, `${name}: ${report.text}`).toBe(outcome);
      const job = await syncNow(ids[name]!);
      expect(job.status, `${name}: ${JSON.stringify(job)}`).toBe(status);
    }

    // Two hours later the OAuth access token has expired: the sync refreshes it (a second pair).
    gitlab.advance(2 * HOUR);
    harness.advance(2 * HOUR);
    expect((await syncNow(oauthId)).status).toBe('succeeded');
    await addOAuthTokens(oauthId, 'after refresh');
    // A revoked authorization: the refresh fails, an error path with the tokens in hand.
    const revoked = (await credentials.load(s.db, 'acme', oauthId))!;
    gitlab.revokeToken(revoked.access_token);
    gitlab.revokeToken(revoked.refresh_token);
    const failed = await syncNow(oauthId);
    expect(failed.status).toBe('failed');
    expect((await syncNow(ids['GitLab PAT']!)).status).toBe('succeeded');

    // Everything a page can read back.
    await call('GET', `/v1/integrations?canary=${LOG_CANARY}`);
    await call('GET', '/v1/integrations');
    await call('GET', '/v1/integration-types');
    for (const id of Object.values(ids)) {
      await call('GET', `/v1/integrations/${id}`);
      await call('GET', `/v1/integrations/${id}/sync`);
      await call('GET', `/v1/integrations/${id}/satellite.yml`);
    }
    await call('GET', `/v1/integrations/${oauthId}/oauth`);
    for (const job of jobs) await call('GET', `/v1/sync/jobs/${job}`);
    await call('GET', '/v1/keys');
    await call('GET', '/v1/session', undefined, cookie);
    await call('GET', '/v1/freshness');
  });
  afterAll(async () => {
    await s?.close();
    await harness?.close();
    await gitlab?.close();
  });

  it('the search finds what is there: a clear value in the logs, the database and the answers, and encodings', async () => {
    const canary = new Map([['canary', LOG_CANARY]]);
    expect(leaks(logLines.join('\n'), canary)).toEqual(['canary (plain)']);
    const name = new Map([['integration name', OAUTH_NAME]]);
    expect(leaks(await databaseText(), name)).toContain('integration name (plain)');
    expect(leaks(answers.map((a) => a.text).join('\n'), name)).toContain('integration name (plain)');
    if (s.db instanceof PgliteDb) expect(leaks(await s.db.dump(), name)).toContain('integration name (plain)');
    const secret = mark('probe');
    const probe = new Map([['probe', secret]]);
    for (const how of ['base64', 'base64url', 'hex', 'HEX']) {
      const encoded = encodings(secret)[how]!;
      expect(leaks(`x${encoded}x`, probe)).toContain(`probe (${how})`);
      expect(leaks(Buffer.from(`x${encoded}x`), probe)).toContain(`probe (${how})`);
    }
    expect(leaks('nothing here', probe)).toEqual([]);
    // The test did what it claims: every secret was set, and the sync worker and the server logged.
    expect(secrets.size).toBe(17);
    expect(logLines.some((l) => l.includes('"msg":"incoming request"'))).toBe(true);
    expect(logLines.some((l) => l.includes('"msg":"stream failed"'))).toBe(true);
  });

  /** Every row of every table of every non-system schema, as text. */
  async function databaseText(): Promise<string> {
    const tables = await s.db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((t) => t.name)).toContain('integrations');
    const parts: string[] = [];
    for (const t of tables) {
      const rows = await s.db.query<{ row: string }>(`SELECT t::text AS row FROM "${t.schema}"."${t.name}" t`);
      parts.push(`# ${t.schema}.${t.name}`, ...rows.map((r) => r.row));
    }
    return parts.join('\n');
  }

  it('the database holds none of the secrets in clear, base64 or hex', async () => {
    const all = new Map([...secrets, ...stored]);
    expect(all.size).toBe(18);
    expect(leaks(await databaseText(), all)).toEqual([]);
    if (s.db instanceof PgliteDb) {
      // The data folder itself (tables, indexes, WAL), as PGlite dumps it.
      expect(leaks(await s.db.dump(), all)).toEqual([]);
    }
  });

  // The OAuth callback's request line (`?code=...&state=...`) is logged with both masked (requestForLog in
  // src/server/app.ts): this test found them in clear before.
  it('the server and the sync worker log none of the secrets', () => {
    expect(logLines.length).toBeGreaterThan(50);
    const all = new Map([...secrets, ...stored]);
    const found: string[] = [];
    for (const line of logLines) {
      for (const what of leaks(line, all)) found.push(`${what} in: ${line.slice(0, 300)}`);
    }
    expect(found).toEqual([]);
    // The callback was logged, masked.
    expect(logLines.some((l) => l.includes('"url":"/v1/oauth/callback?code=[redacted]'))).toBe(true);
  });

  it('no API answer returns a secret (the one-time answer of POST /v1/keys aside)', () => {
    expect(answers.length).toBeGreaterThan(40);
    const found = answers.flatMap((a) => leaks(a.text, secrets).map((what) => `${what} in ${a.what}`));
    expect(found).toEqual([]);
  });

  it('API keys and the web session token are stored only as their SHA-256', async () => {
    const keys = [s.adminKey, ...createdKeys.map((k) => k.key)];
    for (const key of keys) {
      const rows = await s.db.query<{ key_hash: string; prefix: string }>(
        'SELECT key_hash, prefix FROM api_keys WHERE key_hash = $1',
        [sha256Hex(key)],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.key_hash).not.toBe(key);
      // Only a short prefix is kept to recognise the key.
      expect(key.startsWith(rows[0]!.prefix)).toBe(true);
      expect(rows[0]!.prefix.length).toBeLessThan(key.length / 2);
    }
    const token = decodeURIComponent(sessionToken);
    const sessions = await s.db.query<{ token_hash: string }>('SELECT token_hash FROM web_sessions');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.token_hash).toBe(sha256Hex(token));
    expect(sessions[0]!.token_hash).not.toBe(token);
  });
});
