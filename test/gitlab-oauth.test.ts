import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { SecretBox } from '../src/core/crypto.js';
import { CredentialStore } from '../src/store/credentials.js';
import { startFakeGitLab, type FakeGitLab } from './fakes/gitlab/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

const HOUR = 3_600_000;
const GUEST_PROJECT = 'data/dashboards';

describe.each(STORES)('GitLab OAuth sign-in on %s', (kind) => {
  let fake: FakeGitLab;
  let s: TestServer;
  let id: string;
  let app: { clientId: string; clientSecret: string };
  // The test server seals secrets with this key (test/helpers/server.ts): the test reads the tokens back.
  const credentials = new CredentialStore(new SecretBox(Buffer.alloc(32, 7)));

  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 9, days: 5, pipelinesPerDay: 2 });
    s = await startServer(kind, {
      connectors: [gitlabConnector as Connector<never>],
      ...virtualTime(() => fake.now()),
    });
    const registered = fake.addOAuthApp({ redirectUri: `${s.url}/v1/oauth/callback`, name: 'OpenSEI' });
    app = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
    const created = await s.api('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'GitLab via OAuth',
      settings: {
        url: fake.url,
        auth: 'oauth',
        oauth_client_id: app.clientId,
        oauth_client_secret: app.clientSecret,
        exclude_projects: GUEST_PROJECT,
        history_days: 10,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(app.clientSecret);
    id = created.body.id;
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  /** The browser's part: open the authorize URL, follow GitLab's redirect back to our callback. */
  const signIn = async (): Promise<{ status: number; html: string }> => {
    const started = await s.api('POST', `/v1/integrations/${id}/oauth/authorize`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.redirect_uri).toBe(`${s.url}/v1/oauth/callback`);
    const authorize = new URL(started.body.authorize_url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const atGitLab = await fetch(authorize, { redirect: 'manual' });
    expect(atGitLab.status).toBe(302);
    const back = await fetch(atGitLab.headers.get('location')!, { redirect: 'manual' });
    return { status: back.status, html: await back.text() };
  };
  const sync = async () => {
    const queued = await s.api('POST', `/v1/integrations/${id}/sync`, {});
    await s.worker.runNext();
    return (await s.api('GET', `/v1/sync/jobs/${queued.body.id}`)).body;
  };
  const tokens = async () => (await credentials.load(s.db, 'acme', id))!;

  it('is not signed in at first: Validate Connection says so', async () => {
    const status = await s.api('GET', `/v1/integrations/${id}/oauth`);
    expect(status.body).toMatchObject({ authorized: false, authorized_by: null });
    const report = await s.api('POST', `/v1/integrations/${id}/validate`, {});
    expect(report.body.outcome).toBe('invalid_credentials');
    expect(report.body.message).toMatch(/not authorized yet/);
  });

  it('signs in with the authorization code and PKCE, keeps the tokens sealed, then validates and syncs', async () => {
    const back = await signIn();
    expect(back.status, back.html).toBe(200);
    expect(back.html).toContain(`signed in as ${fake.user.username}`);
    // A way back to the web app from the page the upstream sent the person to.
    expect(back.html).toContain('<a href="/integrations">');
    const t = await tokens();
    expect(back.html).not.toContain(t.access_token);
    const sealed = await s.db.query<{ sealed: string }>('SELECT sealed FROM integration_credentials');
    expect(sealed[0]!.sealed).not.toContain(t.access_token);
    expect(sealed[0]!.sealed).not.toContain(t.refresh_token);

    const status = await s.api('GET', `/v1/integrations/${id}/oauth`);
    expect(status.body).toMatchObject({ authorized: true, authorized_by: fake.user.username });
    expect(status.text).not.toContain(t.access_token);

    const report = await s.api('POST', `/v1/integrations/${id}/validate`, {});
    expect(report.body.outcome, JSON.stringify(report.body)).toBe('ok');
    fake.clearRequests();
    const job = await sync();
    expect(job.status).toBe('succeeded');
    const used = new Set(fake.requests().map((r) => r.auth));
    expect([...used]).toEqual(['bearer']);
  });

  it('refreshes an access token before it expires, and saves the new pair', async () => {
    const before = await tokens();
    fake.advance(2 * HOUR); // GitLab's tokens live 2 hours
    const job = await sync();
    expect(job.status).toBe('succeeded');
    const after = await tokens();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token); // GitLab rotates refresh tokens
    expect(after.expires_at).toBeGreaterThan(fake.now());
  });

  it('refreshes once when GitLab calls the token expired in the middle of a sync, and finishes', async () => {
    fake.advance(HOUR / 2);
    const current = (await tokens()).access_token;
    await s.api('POST', `/v1/integrations/${id}/sync`, {});
    fake.clearRequests();
    fake.setLatency(3);
    const running = s.worker.runNext();
    while (!fake.requests().some((r) => r.path.endsWith('/merge_requests') && r.status === 200)) {
      await new Promise((r) => setTimeout(r, 2));
    }
    fake.expireToken(current);
    await running;
    fake.setLatency(0);
    const status = (await s.api('GET', `/v1/integrations/${id}/sync`)).body;
    expect(status.history[0].status, JSON.stringify(status.history[0])).toBe('succeeded');
    expect(fake.requests().some((r) => r.status === 401)).toBe(true);
    expect((await tokens()).access_token).not.toBe(current);
  });

  it('stops with a clear status when the authorization is revoked, and re-authenticating keeps data and settings', async () => {
    const runs = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1', [
      id,
    ]);
    const t = await tokens();
    fake.revokeToken(t.access_token);
    fake.revokeToken(t.refresh_token);
    const failed = await sync();
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('upstream_unauthorized');

    const back = await signIn();
    expect(back.status).toBe(200);
    const again = await sync();
    expect(again.status).toBe('succeeded');
    const after = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cicd_runs WHERE integration_id = $1',
      [id],
    );
    expect(after[0]!.n).toBeGreaterThanOrEqual(runs[0]!.n);
    const integration = await s.api('GET', `/v1/integrations/${id}`);
    expect(integration.body.settings).toMatchObject({ auth: 'oauth', exclude_projects: GUEST_PROJECT });
  });

  it('tells a person who signs in with a role below Reporter where it falls short', async () => {
    fake.setOAuthUser('youssef.haddad'); // a Reporter in acme, only a Guest on data/dashboards
    fake.setRole('youssef.haddad', GUEST_PROJECT, 10);
    const back = await signIn();
    expect(back.status).toBe(200);
    expect(back.html).toContain('youssef.haddad');
    const report = await s.api('POST', `/v1/integrations/${id}/validate`, {
      settings: { exclude_projects: '', projects: `acme/storefront,${GUEST_PROJECT}` },
    });
    expect(report.body.outcome, JSON.stringify(report.body)).toBe('invalid_permissions');
    expect(report.body.checks.at(-1)).toMatchObject({ id: 'role', status: 'failed' });
    expect(report.body.message).toContain(GUEST_PROJECT);
    expect(report.body.message).not.toContain('acme/storefront');
    fake.setOAuthUser(fake.user.username);
    expect((await signIn()).status).toBe(200);
  });

  it('refuses a denied consent, an unknown or reused state, and a non-OAuth integration', async () => {
    fake.setOAuthConsent('deny');
    const denied = await signIn();
    expect(denied.status).toBe(400);
    expect(denied.html).toContain('not granted');
    fake.setOAuthConsent('approve');

    const unknown = await fetch(`${s.url}/v1/oauth/callback?state=nope&code=x`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('start it again');

    const started = await s.api('POST', `/v1/integrations/${id}/oauth/authorize`);
    const atGitLab = await fetch(started.body.authorize_url, { redirect: 'manual' });
    const callback = atGitLab.headers.get('location')!;
    expect((await fetch(callback)).status).toBe(200);
    expect((await fetch(callback)).status).toBe(404); // a state works once

    const pat = await s.api('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'GitLab PAT',
      settings: { url: fake.url, token: fake.token },
    });
    const wrong = await s.api('POST', `/v1/integrations/${pat.body.id}/oauth/authorize`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'oauth_not_used', field: 'auth' });
  });
});
