import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomCicdRunSchema } from '../src/ingest/custom-cicd-schema.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('HTTP surface', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => s.close());

  it('answers health and readiness without a key', async () => {
    expect((await s.api('GET', '/healthz', undefined, { key: null })).body).toEqual({ status: 'ok' });
    expect((await s.api('GET', '/readyz', undefined, { key: null })).body).toEqual({
      status: 'ready',
      database: 'pglite',
    });
  });

  it('publishes an OpenAPI document built from the validating schemas', async () => {
    const res = await s.api('GET', '/openapi.json', undefined, { key: null });
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'apiKey', name: 'Authorization' });
    for (const path of [
      '/v1/custom-cicd',
      '/v1/custom-cicd/bulk',
      '/v1/cicd/instances',
      '/v1/integrations',
      '/v1/cicd/runs',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    // The alias prefixes work but are not listed twice.
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/gratis/'))).toBe(false);
    const body = doc.paths['/v1/custom-cicd'].post.requestBody.content['application/json'].schema;
    const flat = body.anyOf[0];
    expect(flat.required).toEqual(CustomCicdRunSchema.required);
    expect(Object.keys(flat.properties)).toEqual(Object.keys(CustomCicdRunSchema.properties));
  });

  it('serves a browsable API docs page', async () => {
    const res = await fetch(`${s.url}/docs/`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
  });

  it('answers unknown routes and methods with a JSON error', async () => {
    const res = await s.api('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
    const bad = await s.api('GET', '/v1/cicd/runs?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('limit');
    const cursor = await s.api('GET', '/v1/cicd/runs?cursor=zzz');
    expect(cursor.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
    const since = await s.api('GET', '/v1/cicd/runs?since=yesterday');
    expect(since.body.error).toMatchObject({ code: 'invalid_time', field: 'since' });
    const guid = await s.api('GET', '/v1/cicd/runs?instance_guid=nope');
    expect(guid.status).toBe(400);
  });
});
