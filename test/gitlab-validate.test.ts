import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { startFakeGitLab, type FakeGitLab } from './fakes/gitlab/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

const GUEST_PROJECT = 'data/dashboards';

describe.each(STORES)('GitLab: Validate Connection on %s', (kind) => {
  let fake: FakeGitLab;
  let s: TestServer;

  beforeAll(async () => {
    fake = await startFakeGitLab({ seed: 3, days: 3, pipelinesPerDay: 1 });
    s = await startServer(kind, {
      connectors: [gitlabConnector as Connector<never>],
      ...virtualTime(() => fake.now()),
    });
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  const validate = (settings: Record<string, unknown>) =>
    s.api('POST', '/v1/integrations/validate', {
      type: 'gitlab',
      settings: { url: fake.url, token: fake.token, exclude_projects: GUEST_PROJECT, ...settings },
    });
  const statuses = (body: { checks: { id: string; status: string }[] }) => body.checks.map((c) => [c.id, c.status]);

  it('passes every check with a good api-scoped token, listing them', async () => {
    const res = await validate({});
    expect(res.status).toBe(200);
    expect(res.body.outcome, JSON.stringify(res.body)).toBe('ok');
    expect(statuses(res.body)).toEqual([
      ['credentials', 'passed'],
      ['token', 'passed'],
      ['projects', 'passed'],
      ['role', 'passed'],
    ]);
    expect(res.body.checks[0].message).toContain(fake.user.username);
  });

  it('accepts a read_api token too', async () => {
    const res = await validate({ token: fake.addToken({ scopes: ['read_api'] }) });
    expect(res.body.outcome).toBe('ok');
  });

  it('answers invalid_credentials for a wrong, a revoked and an expired token, never echoing it', async () => {
    const wrong = 'glpat-this-is-not-a-real-token-000';
    const res = await validate({ token: wrong });
    expect(res.body.outcome).toBe('invalid_credentials');
    expect(res.body.checks[0]).toMatchObject({ id: 'credentials', status: 'failed' });
    expect(res.body.message).toContain('401 Unauthorized');
    expect(res.body.checks.slice(1).every((c: { status: string }) => c.status === 'skipped')).toBe(true);
    expect(res.text).not.toContain(wrong);

    const revoked = fake.addToken();
    fake.revokeToken(revoked);
    expect((await validate({ token: revoked })).body.outcome).toBe('invalid_credentials');

    const expired = fake.addToken();
    fake.expireToken(expired);
    const exp = await validate({ token: expired });
    expect(exp.body.outcome).toBe('invalid_credentials');
    expect(res.text).not.toContain(expired);
  });

  it('answers invalid_credentials, naming the date, for a token that expires today', async () => {
    const today = new Date(fake.now()).toISOString().slice(0, 10);
    const token = fake.addToken({ expiresAt: today });
    const res = await validate({ token });
    expect(res.body.outcome).toBe('invalid_credentials');
    expect(res.body.message).toMatch(/expired/i);
  });

  it('answers invalid_permissions for a token without api or read_api scope, naming its scopes', async () => {
    const res = await validate({ token: fake.addToken({ scopes: ['read_user', 'read_repository'] }) });
    expect(res.body.outcome).toBe('invalid_permissions');
    expect(statuses(res.body).slice(0, 2)).toEqual([
      ['credentials', 'passed'],
      ['token', 'failed'],
    ]);
    expect(res.body.message).toContain('read_user');
    expect(res.body.message).toContain('api');
  });

  it('answers invalid_permissions naming the projects where the role is below Reporter', async () => {
    const res = await validate({ exclude_projects: '' });
    expect(res.body.outcome).toBe('invalid_permissions');
    expect(res.body.checks.at(-1)).toMatchObject({ id: 'role', status: 'failed' });
    expect(res.body.message).toContain(GUEST_PROJECT);
    expect(res.body.message).toContain('Reporter');
  });

  it('answers no_resources for a user who is a member of no project, and for groups and projects that do not exist', async () => {
    const loner = fake.addToken({ username: 'chen.wei' });
    fake.setGroupRole('chen.wei', 'data', null);
    const none = await validate({ token: loner, exclude_projects: '' });
    expect(none.body.outcome).toBe('no_resources');
    expect(none.body.checks.find((c: { id: string }) => c.id === 'projects').status).toBe('failed');

    const missing = await validate({ groups: 'acme, no-such-group', projects: 'acme/nope' });
    expect(missing.body.outcome).toBe('no_resources');
    expect(missing.body.message).toContain('group "no-such-group"');
    expect(missing.body.message).toContain('project "acme/nope"');
  });

  it('scopes by group (subgroups included) minus excluded groups and projects', async () => {
    const res = await validate({
      groups: 'acme',
      exclude_groups: 'acme/platform',
      exclude_projects: 'acme/storefront',
    });
    expect(res.body.outcome, JSON.stringify(res.body)).toBe('ok');
    const projects = res.body.checks.find((c: { id: string }) => c.id === 'projects').message as string;
    expect(projects).toContain('acme/checkout-api');
    expect(projects).not.toContain('acme/platform/');
    expect(projects).not.toContain('acme/storefront');
  });

  it('refuses settings without a token (400 naming the field), and an unreachable URL is said so', async () => {
    const res = await s.api('POST', '/v1/integrations/validate', { type: 'gitlab', settings: { url: fake.url } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('token');
    const down = await validate({ url: 'http://127.0.0.1:9' });
    expect(down.body.outcome).toBe('unreachable');
  });
});
