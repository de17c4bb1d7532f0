import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from './helpers/db.js';
import { run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

const REQUIRED = [
  'pipeline',
  'job_full_name',
  'qualified_name',
  'instance_name',
  'instance_guid',
  'start_time',
  'duration',
  'result',
];

describe.each(STORES)('custom CI/CD bad input on %s', (kind) => {
  let s: TestServer;
  let guid: string;

  beforeAll(async () => {
    s = await startServer(kind);
    ({ guid } = await makeInstance(s));
  });
  afterAll(async () => s.close());

  const post = (body: unknown, opts: { raw?: string; contentType?: string } = {}) =>
    s.api('POST', '/v1/custom-cicd', body, opts);

  it('names every missing required field at once', async () => {
    const res = await post({});
    expect(res.status).toBe(400);
    const fields = (res.body.error.details as { field: string; code: string }[]).map((d) => d.field);
    expect(fields.sort()).toEqual([...REQUIRED].sort());
    for (const f of REQUIRED) expect(res.body.error.message).toContain(f);
  });

  it('applies the aliases before checking what is missing', async () => {
    const body = run(guid);
    delete body['pipeline'];
    delete body['qualified_name'];
    const ok = await post({ ...body, job_name: 'from-alias' });
    expect(ok.status).toBe(201);
    const missing = await post(body);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'missing_field', field: 'pipeline' });
  });

  it.each([
    ['start_time', 'yesterday', 'wrong_type|invalid_value'],
    ['start_time', -5, 'invalid_value'],
    ['start_time', 1e20, 'invalid_value'],
    ['duration', -1, 'invalid_value'],
    ['duration', true, 'wrong_type'],
    ['ci', 'yes', 'wrong_type'],
    ['scm_commit_ids', 'abc', 'wrong_type'],
    ['themes', [1, 2], 'wrong_type'],
    ['instance_guid', 'not-a-guid', 'invalid_value'],
    ['pipeline', 12, 'wrong_type'],
    ['pipeline', '', 'invalid_value'],
    ['job_run_params', [{ value: 1 }], 'missing_field'],
    ['artifacts', [{ input: 'no' }], 'wrong_type'],
  ])('rejects %s = %j naming the field', async (field, value, codes) => {
    const res = await post(run(guid, { [field]: value }));
    expect(res.status).toBe(400);
    const details: { field: string; code: string }[] = res.body.error.details ?? [res.body.error];
    const hit = details.find((d) => d.field.startsWith(field));
    expect(hit, JSON.stringify(res.body)).toBeDefined();
    expect(codes.split('|')).toContain(hit!.code);
  });

  it('names nested fields in job_run stages and steps', async () => {
    const res = await post(
      run(guid, { job_run: { stages: [{ displayName: 'ok' }, { steps: [{ displayName: 5 }] }] } }),
    );
    expect(res.status).toBe(400);
    const fields = (res.body.error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['job_run.stages[1].displayName', 'job_run.stages[1].steps[0].displayName']),
    );
  });

  it('rejects an unknown result naming the allowed values', async () => {
    const res = await post(run(guid, { result: 'KINDA_OK' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_result', field: 'result' });
    expect(res.body.error.message).toContain('SUCCESS');
    expect(res.body.error.message).toContain('FAILURE');
  });

  it('answers 404 for a GUID that is not an instance, saying how to make one', async () => {
    const res = await post(run('00000000-0000-4000-8000-000000000000'));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'unknown_instance', field: 'instance_guid' });
    expect(res.body.error.message).toContain('/v1/cicd/instances');
  });

  it.each([
    ['truncated JSON', '{"pipeline": "a", '],
    ['a trailing comma', '{"pipeline": "a",}'],
    ['an empty body', ''],
    ['not JSON at all', 'pipeline=a&result=SUCCESS'],
  ])('rejects %s with 400 invalid_json and a position', async (_name, raw) => {
    const res = await post(undefined, { raw });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.message).toMatch(/line \d+, column \d+/);
  });

  it.each([
    ['an array', []],
    ['a string', 'run'],
    ['null', null],
    ['a number', 42],
  ])('rejects %s as the body', async (_name, body) => {
    const res = await post(undefined, { raw: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });

  it('answers 415 with a JSON error for another content type', async () => {
    const res = await post(undefined, { raw: JSON.stringify(run(guid)), contentType: 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('answers 413 with a JSON error for a body over the limit', async () => {
    const res = await post(run(guid, { padding: 'x'.repeat(s.config.bodyLimit + 10) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('survives prototype-pollution keys, deep nesting and odd characters without a 5xx', async () => {
    const polluted = `{"__proto__": {"admin": true}, ${JSON.stringify(run(guid, { pipeline: 'proto' })).slice(1)}`;
    const a = await post(undefined, { raw: polluted });
    expect(a.status).toBe(201);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();

    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const b = await post(undefined, { raw: `{"pipeline": ${deep}}` });
    expect(b.status).toBeGreaterThanOrEqual(400);
    expect(b.status).toBeLessThan(500);

    const c = await post(run(guid, { pipeline: 'emoji 🚀 \u0000 nul' }));
    expect(c.status).toBe(400);
    expect(c.body.error).toMatchObject({ code: 'invalid_text', field: 'pipeline' });
    const d = await post(run(guid, { pipeline: 'emoji 🚀 ok', extra: { note: 'lone \uD800' } }));
    expect(d.body.error).toMatchObject({ code: 'invalid_text', field: 'extra.note' });
    const e = await post(run(guid, { pipeline: 'emoji 🚀 ok' }));
    expect(e.status).toBe(201);
  });

  it('never stores half a run: a rejected body leaves no raw record and no run', async () => {
    const before = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw_records`);
    await post(run(guid, { pipeline: 'half', result: 'NOPE', scm_commit_ids: ['a'] }));
    await post(run(guid, { pipeline: 'half', job_run: { stages: [{ steps: 'x' }] } }));
    const after = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw_records`);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(await s.db.query(`SELECT 1 FROM cicd_runs WHERE pipeline = 'half'`)).toEqual([]);
  });
});
