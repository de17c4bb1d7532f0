import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import type { Connector } from '../src/connectors/connector.js';
import { startFakeHarness, type FakeHarness } from './fakes/harness/server.js';
import { STORES } from './helpers/db.js';
import { startServer, type TestServer, virtualTime } from './helpers/server.js';

describe.each(STORES)('Harness NG: Validate Connection on %s', (kind) => {
  let fake: FakeHarness;
  let s: TestServer;
  let noPipelines: string;
  let noOrgs: string;
  let onlyMobile: string;

  beforeAll(async () => {
    fake = await startFakeHarness({ seed: 7, days: 3, executionsPerDay: 2, orgCount: 3 });
    noPipelines = fake.addKey({ permissions: ['core_organization_view', 'core_project_view'] });
    noOrgs = fake.addKey({ permissions: ['core_project_view', 'core_pipeline_view'] });
    onlyMobile = fake.addKey({ orgs: ['mobile'] });
    s = await startServer(kind, {
      connectors: [harnessConnector as Connector<never>],
      // Our side's time: the fake's clock plus whatever we slept (sleeping costs no real time).
      ...virtualTime(() => fake.now()),
    });
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  const validate = (settings: Record<string, unknown>) =>
    s.api('POST', '/v1/integrations/validate', {
      type: 'harnessng',
      settings: { url: fake.url, api_key: fake.token, account_id: fake.accountId, ...settings },
    });

  it('passes every check with a good key, listing them', async () => {
    const res = await validate({});
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('ok');
    expect(res.body.checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['credentials', 'passed'],
      ['organizations', 'passed'],
      ['projects', 'passed'],
      ['executions', 'passed'],
    ]);
  });

  it('answers invalid_credentials for a refused key, with Harness words, and never echoes the key', async () => {
    const bad = 'pat.nope.nope.nope-secret-value';
    const res = await validate({ api_key: bad });
    expect(res.body.outcome).toBe('invalid_credentials');
    expect(res.body.checks[0]).toMatchObject({ id: 'credentials', status: 'failed' });
    expect(res.body.message).toContain('Token is not valid');
    expect(res.body.checks.slice(1).every((c: { status: string }) => c.status === 'skipped')).toBe(true);
    expect(res.text).not.toContain(bad);
  });

  it('answers invalid_credentials for a revoked and an expired key', async () => {
    const revoked = fake.addKey();
    fake.revokeToken(revoked);
    expect((await validate({ api_key: revoked })).body.outcome).toBe('invalid_credentials');
    const expired = fake.addKey();
    fake.expireToken(expired);
    expect((await validate({ api_key: expired })).body.outcome).toBe('invalid_credentials');
  });

  it('answers invalid_permissions when executions or organizations cannot be read', async () => {
    const a = await validate({ api_key: noPipelines });
    expect(a.body.outcome).toBe('invalid_permissions');
    expect(a.body.checks.find((c: { id: string }) => c.id === 'executions').status).toBe('failed');
    expect(a.body.message).toContain('core_pipeline_view');
    const b = await validate({ api_key: noOrgs });
    expect(b.body.outcome).toBe('invalid_permissions');
  });

  it('answers no_resources naming an organization that does not exist, with a case hint', async () => {
    const missing = await validate({ organizations: 'payments, nowhere' });
    expect(missing.body.outcome).toBe('no_resources');
    expect(missing.body.message).toContain('"nowhere"');
    const wrongCase = await validate({ organizations: 'PAYMENTS' });
    expect(wrongCase.body.outcome).toBe('no_resources');
    expect(wrongCase.body.message).toContain('did you mean "payments"');
  });

  it('applies the org and org/project filters, naming a project that does not exist', async () => {
    const project = fake.data.projects.find((p) => p.org === 'payments')!;
    const ok = await validate({ projects: `payments/${project.identifier}` });
    expect(ok.body.outcome).toBe('ok');
    expect(ok.body.checks[2].message).toContain(`1 project(s) in scope: payments/${project.identifier}`);
    const bad = await validate({ projects: `payments/${project.identifier.toUpperCase()}, payments/ghost` });
    expect(bad.body.outcome).toBe('no_resources');
    expect(bad.body.message).toContain('"payments/ghost"');
    expect(bad.body.message).toContain(`did you mean "${project.identifier}"`);
    const malformed = await validate({ projects: 'checkout' });
    expect(malformed.body.message).toContain('org/project');
  });

  it('answers no_resources when the key sees nothing in the named org', async () => {
    const res = await validate({ api_key: onlyMobile, organizations: 'payments' });
    expect(res.body.outcome).toBe('no_resources');
    const mine = await validate({ api_key: onlyMobile });
    expect(mine.body.outcome).toBe('ok');
  });

  it('validates a saved integration, and refuses bad settings with the field named', async () => {
    const created = await s.api('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'Harness',
      settings: { url: fake.url, api_key: fake.token, account_id: fake.accountId },
    });
    expect(created.status).toBe(201);
    expect(created.body.settings.api_key).toBe('********');
    const res = await s.api('POST', `/v1/integrations/${created.body.id}/validate`, {});
    expect(res.body.outcome).toBe('ok');
    const changed = await s.api('POST', `/v1/integrations/${created.body.id}/validate`, {
      settings: { api_key: 'pat.a.b.c' },
    });
    expect(changed.body.outcome).toBe('invalid_credentials');
    const bad = await s.api('POST', '/v1/integrations/validate', { type: 'harnessng', settings: { url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    const fields = (bad.body.error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['settings.account_id', 'settings.api_key', 'settings.url']);
    const yml = await s.api('GET', `/v1/integrations/${created.body.id}/satellite.yml`);
    expect(yml.text).toContain('application: harnessng');
    expect(yml.text).toContain(`accountId: "${fake.accountId}"`);
    expect(yml.text).toContain('api_key: <HARNESS_API_KEY>');
    expect(yml.text).not.toContain(fake.token);
    const custom = await s.api('POST', '/v1/integrations/validate', { type: 'custom', settings: {} });
    expect(custom.body.error.code).toBe('not_syncable');
  });
});
