import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationType } from '../src/integrations/registry.js';
import { STORES } from './helpers/db.js';
import { run } from './helpers/runs.js';
import { makeInstance, makeTenant, startServer, type TestServer } from './helpers/server.js';

// A type with a secret setting, standing in for the connectors that come next (Harness, GitLab, Jira).
const WITH_SECRET: IntegrationType = {
  type: 'test-secret',
  label: 'Test with a token',
  description: 'An integration type with a secret setting.',
  settings: Type.Object(
    { url: Type.String({ minLength: 1 }), api_key: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  secretFields: ['api_key'],
  acceptsWebhookRuns: false,
};

const TOKEN = 'pat-SECRET-0123456789abcdef';

describe.each(STORES)('integrations on %s', (kind) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer(kind, { extraTypes: [WITH_SECRET] });
  });
  afterAll(async () => s.close());

  it('creates, lists, reads, updates and deletes an integration', async () => {
    const created = await s.api('POST', '/v1/integrations', {
      type: 'custom',
      name: 'Jenkins prod',
      description: 'the big one',
      tags: ['prod', 'jenkins'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'custom',
      name: 'Jenkins prod',
      tags: ['prod', 'jenkins'],
      settings: {},
    });
    const id = created.body.id as string;
    expect((await s.api('GET', `/v1/integrations/${id}`)).body.name).toBe('Jenkins prod');
    expect(
      (await s.api('GET', '/v1/integrations?type=custom')).body.integrations.map((i: { id: string }) => i.id),
    ).toContain(id);
    const patched = await s.api('PATCH', `/v1/integrations/${id}`, { description: 'renamed', tags: [] });
    expect(patched.body).toMatchObject({ name: 'Jenkins prod', description: 'renamed', tags: [] });
    expect((await s.api('DELETE', `/v1/integrations/${id}`)).status).toBe(204);
    expect((await s.api('GET', `/v1/integrations/${id}`)).status).toBe(404);
  });

  it('refuses bad integration input with the field named', async () => {
    const unknownType = await s.api('POST', '/v1/integrations', { type: 'svn', name: 'x' });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error).toMatchObject({ code: 'unknown_integration_type', field: 'type' });
    const noName = await s.api('POST', '/v1/integrations', { type: 'custom' });
    expect(noName.body.error).toMatchObject({ code: 'missing_field', field: 'name' });
    const extra = await s.api('POST', '/v1/integrations', { type: 'custom', name: 'x', settings: { url: 'u' } });
    expect(extra.body.error).toMatchObject({ code: 'unknown_field', field: 'settings.url' });
    const first = await s.api('POST', '/v1/integrations', { type: 'custom', name: 'dup' });
    const dup = await s.api('POST', '/v1/integrations', { type: 'custom', name: 'dup' });
    expect(dup.status).toBe(409);
    expect((await s.api('GET', '/v1/integrations/abc')).status).toBe(404);
    const typeChange = await s.api('PATCH', `/v1/integrations/${first.body.id}`, { type: 'test-secret' });
    expect(typeChange.body.error).toMatchObject({ code: 'immutable_field', field: 'type' });
  });

  it('stores secret settings encrypted, never returns them, and keeps them when sent back masked', async () => {
    const created = await s.api('POST', '/v1/integrations', {
      type: 'test-secret',
      name: 'with token',
      settings: { url: 'https://example.com', api_key: TOKEN },
    });
    expect(created.status).toBe(201);
    expect(created.body.settings).toEqual({ url: 'https://example.com', api_key: '********' });
    expect(created.text).not.toContain(TOKEN);
    const id = created.body.id as string;

    const dump = await s.db.query<{ t: string }>(`SELECT row_to_json(i)::text AS t FROM integrations i WHERE id = $1`, [
      id,
    ]);
    expect(dump[0]!.t).not.toContain(TOKEN);
    expect(dump[0]!.t).toContain('v1:'); // the sealed box

    const listed = await s.api('GET', '/v1/integrations');
    expect(listed.text).not.toContain(TOKEN);

    const kept = await s.api('PATCH', `/v1/integrations/${id}`, {
      settings: { url: 'https://example.org', api_key: '********' },
    });
    expect(kept.body.settings).toEqual({ url: 'https://example.org', api_key: '********' });
    const store = (await import('../src/store/integrations.js')).IntegrationStore;
    const { SecretBox } = await import('../src/core/crypto.js');
    const { defaultRegistry } = await import('../src/integrations/registry.js');
    const reader = new store(defaultRegistry([WITH_SECRET]), new SecretBox(Buffer.alloc(32, 7)));
    expect(await reader.secretsOf(s.db, 'acme', id)).toEqual({ api_key: TOKEN });

    await s.api('PATCH', `/v1/integrations/${id}`, { settings: { api_key: 'new-token' } });
    expect(await reader.secretsOf(s.db, 'acme', id)).toEqual({ api_key: 'new-token' });

    const wrongKey = new store(defaultRegistry([WITH_SECRET]), new SecretBox(Buffer.alloc(32, 8)));
    await expect(wrongKey.secretsOf(s.db, 'acme', id)).rejects.toThrow();
  });

  it('makes CI/CD instances only under Custom CI/CD integrations of the tenant', async () => {
    const other = await s.api('POST', '/v1/integrations', {
      type: 'test-secret',
      name: 'not custom',
      settings: { url: 'u', api_key: 'k' },
    });
    const wrong = await s.api('POST', '/v1/cicd/instances', {
      integration_id: other.body.id,
      name: 'x',
      type: 'jenkins',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'wrong_integration_type', field: 'integration_id' });
    const missing = await s.api('POST', '/v1/cicd/instances', { integration_id: '999999', name: 'x', type: 'jenkins' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe('integration_id');
    const noFields = await s.api('POST', '/v1/cicd/instances', {});
    expect(noFields.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'integration_id',
      'name',
      'type',
    ]);
  });

  it('serves a satellite.yml for an integration, without any key in it', async () => {
    const created = await s.api('POST', '/v1/integrations', { type: 'custom', name: 'for satellite' });
    const yml = await s.api('GET', `/v1/integrations/${created.body.id}/satellite.yml`);
    expect(yml.status).toBe(200);
    expect(yml.text).toContain(`- id: '${created.body.id}'`);
    expect(yml.text).toContain('application: custom');
    expect(yml.text).toContain('tenant: acme');
    expect(yml.text).not.toContain(s.adminKey);
  });

  it('deletes the instances and runs of a deleted integration', async () => {
    const { integrationId, guid } = await makeInstance(s);
    expect((await s.api('POST', '/v1/custom-cicd', run(guid, { pipeline: 'doomed' }))).status).toBe(201);
    expect((await s.api('DELETE', `/v1/integrations/${integrationId}`)).status).toBe(204);
    expect(await s.db.query(`SELECT 1 FROM cicd_runs WHERE pipeline = 'doomed'`)).toEqual([]);
    expect((await s.api('POST', '/v1/custom-cicd', run(guid))).status).toBe(404);
  });

  it("keeps another tenant's integrations out of reach", async () => {
    const otherKey = await makeTenant(s.db, `int-other-${kind}`);
    const mine = await s.api('POST', '/v1/integrations', { type: 'custom', name: 'mine only' });
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'taken' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await s.api(method, `/v1/integrations/${mine.body.id}`, body, { key: otherKey });
      expect(res.status).toBe(404);
    }
    expect((await s.api('GET', '/v1/integrations', undefined, { key: otherKey })).body.integrations).toEqual([]);
    expect((await s.api('GET', `/v1/integrations/${mine.body.id}`)).body.name).toBe('mine only');
  });
});
