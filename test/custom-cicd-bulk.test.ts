import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from './helpers/db.js';
import { run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

const ndjson = (lines: (Record<string, unknown> | string)[]): string =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

describe.each(STORES)('bulk ingestion on %s', (kind) => {
  let s: TestServer;
  let guid: string;

  beforeAll(async () => {
    s = await startServer(kind, { env: { SEI_BULK_MAX_LINES: '2000' } });
    ({ guid } = await makeInstance(s));
  });
  afterAll(async () => s.close());

  const bulk = (raw: string, contentType = 'application/x-ndjson') =>
    s.api('POST', '/v1/custom-cicd/bulk', undefined, { raw, contentType });

  it('stores every good line and answers a result per line', async () => {
    const good = [
      run(guid, { pipeline: 'bulk-a' }),
      run(guid, { pipeline: 'bulk-a' }),
      run(guid, { pipeline: 'bulk-a' }),
    ];
    const body = ndjson([
      good[0]!,
      '{"pipeline": "broken",',
      good[1]!,
      run(guid, { result: 'MAYBE' }),
      '',
      run('00000000-0000-4000-8000-000000000000'),
      good[2]!,
    ]);
    const res = await bulk(body);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ received: 6, accepted: 3, rejected: 3 });
    const byLine = Object.fromEntries(
      (res.body.results as { line: number; status: string; error?: { code: string } }[]).map((r) => [
        r.line,
        r.error?.code ?? r.status,
      ]),
    );
    expect(byLine).toEqual({
      1: 'created',
      2: 'invalid_json',
      3: 'created',
      4: 'invalid_result',
      6: 'unknown_instance',
      7: 'created',
    });
    const stored = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cicd_runs WHERE tenant_id = 'acme' AND pipeline = 'bulk-a'`,
    );
    expect(stored[0]!.n).toBe(3);
  });

  it('answers 200 when all lines are accepted, and updates on a re-sent execution_id', async () => {
    const runs = Array.from({ length: 1200 }, (_, i) =>
      run(guid, {
        pipeline: 'bulk-big',
        build_number: i,
        scm_commit_ids: [`sha-${i}`],
        job_run: { stages: [{ displayName: 'b' }] },
      }),
    );
    const first = await bulk(ndjson(runs));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: 1200, accepted: 1200, rejected: 0 });
    const again = await bulk(ndjson([...runs.slice(0, 2).map((r) => ({ ...r, result: 'FAILURE' })), runs[0]!]));
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(['updated', 'updated', 'updated']);
    const rows = await s.db.query<{ n: number; failed: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE result = 'failure')::int AS failed
       FROM cicd_runs WHERE tenant_id = 'acme' AND pipeline = 'bulk-big'`,
    );
    expect(rows[0]).toEqual({ n: 1200, failed: 1 });
  });

  it('stores a new run sent twice in one request once, as its last version', async () => {
    const first = run(guid, { pipeline: 'bulk-twice', execution_id: 'twice-1', scm_commit_ids: ['a1', 'a2'] });
    const last = { ...first, result: 'FAILURE', scm_commit_ids: ['b1'] };
    const res = await bulk(ndjson([first, last]));
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'updated']);
    expect(res.body.results[0].id).toBe(res.body.results[1].id);
    const detail = await s.api('GET', `/v1/cicd/runs/${res.body.results[0].id}`);
    expect(detail.body.result).toBe('failure');
    expect(detail.body.commits.map((c: { sha: string }) => c.sha)).toEqual(['b1']);
  });

  it('accepts a JSON array of runs, wrapped forms included', async () => {
    const res = await s.api('POST', '/v1/custom-cicd/bulk', [
      run(guid, { pipeline: 'bulk-array' }),
      { data: run(guid, { pipeline: 'bulk-array' }) },
      { request_type: 'CICD', payload: run(guid, { pipeline: 'bulk-array' }) },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(3);
  });

  it('refuses an empty body, a non-array JSON body and too many lines', async () => {
    expect((await bulk('\n\n')).body.error.code).toBe('empty_body');
    expect((await bulk('{}', 'application/json')).body.error.code).toBe('invalid_body');
    const tooMany = await bulk(ndjson(Array.from({ length: 2001 }, () => run(guid))));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('too_many_lines');
  });
});
