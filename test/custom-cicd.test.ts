import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from './helpers/db.js';
import { DOC_CURL_BODY, DOC_INSTANCES_BODY, DOC_PAYLOAD_TEXT, docPayload, fill, run } from './helpers/runs.js';
import { addKey, makeInstance, makeTenant, startServer, type TestServer } from './helpers/server.js';

const exec = promisify(execFile);

describe.each(STORES)('custom CI/CD webhook on %s', (kind) => {
  let s: TestServer;
  let guid: string;
  let integrationId: string;

  beforeAll(async () => {
    s = await startServer(kind);
    ({ guid, integrationId } = await makeInstance(s));
  });
  afterAll(async () => s.close());

  it("accepts the document's curl command, changing only the host and the key", async () => {
    // Step 1 and 2 of the document: a Custom integration, then an instance GUID, both through curl.
    const instancesBody = DOC_INSTANCES_BODY.replace(/,\s*}/, '\n}'); // the document's trailing comma, fixed
    const made = await exec('curl', [
      '--silent',
      '--location',
      `${s.url}/gratis/sei/api/v1/cicd/instances`,
      '--header',
      `Authorization: ApiKey ${s.adminKey}`,
      '--header',
      'Content-Type: application/json',
      '--data',
      fill(instancesBody, { INTEGRATION_ID: integrationId }),
    ]);
    const instance = JSON.parse(made.stdout) as { id: string; name: string };
    expect(instance.name).toBe('Custom CI/CD Integration');

    const body = fill(DOC_CURL_BODY, {
      JOB_NAME: 'build-web',
      INSTANCE_GUID: instance.id,
      INSTANCE_NAME: 'Jenkins-1',
      'env.JOB_FULL_NAME': 'folder/build-web',
      BUILD_RESULT: 'SUCCESS',
      USER_ID: 'alice',
      REPO_URL: 'https://git.example.com/web.git',
      EPOCH_START_TIME_IN_MS: '1711603545000',
      DURATION_IN_SECONDS: '780000',
      BUILD_NUMBER: '42',
      CI_CD_INSTANCE_URL: 'http://jenkins.local:8080',
      BRANCH_NAME: 'main',
      PROJECT_NAME: 'Project-A',
    });
    const res = await exec('curl', [
      '--silent',
      '--write-out',
      '\n%{http_code}',
      '--location',
      `${s.url}/gratis/sei/api/v1/custom-cicd`,
      '--header',
      `Authorization: ApiKey ${s.adminKey}`,
      '--header',
      'Content-Type: application/json',
      '--data-raw',
      body,
    ]);
    const [answer, status] = res.stdout.split('\n');
    expect(status).toBe('201');
    const { id } = JSON.parse(answer!) as { id: string };
    const stored = await s.api('GET', `/v1/cicd/runs/${id}`);
    expect(stored.body).toMatchObject({
      pipeline: 'build-web', // from job_name
      job_full_name: 'folder/build-web',
      qualified_name: 'folder/build-web', // from job_normalized_full_name
      instance_guid: instance.id,
      result: 'success',
      result_raw: 'SUCCESS',
      user_id: 'alice',
      build_number: '42',
      branch_name: 'main',
      project_name: 'Project-A',
      instance_url: 'http://jenkins.local:8080',
      duration_ms: 780000,
      start_time: '2024-03-28T05:25:45.000Z',
      end_time: '2024-03-28T05:38:45.000Z',
    });
  });

  it("rejects the document's example payload as written, naming where the JSON breaks", async () => {
    const res = await s.api('POST', '/v1/custom-cicd', undefined, {
      raw: DOC_PAYLOAD_TEXT.replace('666ba79b-3f3d-4236-ac04-4686ce526705', guid),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    const line = DOC_PAYLOAD_TEXT.split('\n').findIndex((l) => l.includes('"themes"')) + 1;
    expect(res.body.error.message).toContain(`line ${line}`);
  });

  it("stores every field of the document's example payload (comma fixed)", async () => {
    const res = await s.api('POST', '/v1/custom-cicd', docPayload(guid));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'created', run_key: 'exec:UNIQUE_EXECUTION_ID', result: 'success' });
    const got = await s.api('GET', `/v1/cicd/runs/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      execution_id: 'UNIQUE_EXECUTION_ID',
      pipeline: 'Pipeline-2',
      job_full_name: 'Pipeline-2',
      qualified_name: 'Pipeline-2',
      project_name: 'Project-A',
      user_id: 'NISHITH',
      repo_url: 'https://api.github.com/users/nishith.patel',
      start_time: new Date(1711603545000).toISOString(),
      duration_ms: 780000,
      instance_name: 'Jenkins-1',
      instance_url: 'http://localhost:8800',
      branch_name: 'master',
      module_name: null,
      ci: true,
      cd: false,
      cfr_status: true,
      themes: ['themex', 'themey', 'themex/themey'],
      web_url: 'http://somelink-updated.com',
      trigger_chain: [{ id: 'SCMTrigger', type: 'SCMTriggerCause' }],
      scm_commit_ids: ['64be72b2c1f7d2a33082f98a40a848880fcdcd5e'],
      stages: [],
      artifacts: [
        {
          input: false,
          output: true,
          type: 'container',
          location: 'http://generated/image/location',
          name: 'image1',
          qualifier: '1',
        },
      ],
      job_run_params: [
        { type: 'StringParameterValue', name: 'version', value: '1', value_type: 'number' },
        { type: 'StringParameterValue', name: 'revision', value: '1', value_type: 'number' },
      ],
    });
    const raw = await s.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM raw_records WHERE tenant_id = 'acme' AND record_key = $1`,
      [`${guid}/exec:UNIQUE_EXECUTION_ID`],
    );
    expect(raw[0]!.payload).toEqual(docPayload(guid));
  });

  it('stores job_run stages and steps in order', async () => {
    const body = run(guid, {
      job_run: {
        stages: [
          {
            displayName: 'Build',
            displayDescription: 'compile',
            result: 'SUCCESS',
            state: 'FINISHED',
            durationInMillis: 1200,
            steps: [
              { displayName: 'checkout', result: 'SUCCESS', state: 'FINISHED', durationInMillis: 200 },
              { displayName: 'make', result: 'SUCCESS', state: 'FINISHED', durationInMillis: 1000 },
            ],
          },
          { displayName: 'Deploy', result: 'FAILURE', state: 'FINISHED', durationInMillis: 300, steps: null },
        ],
      },
    });
    const res = await s.api('POST', '/v1/custom-cicd', body);
    expect(res.status).toBe(201);
    const got = await s.api('GET', `/v1/cicd/runs/${res.body.id}`);
    expect(got.body.stages).toMatchObject([
      {
        name: 'Build',
        description: 'compile',
        result: 'SUCCESS',
        state: 'FINISHED',
        duration_ms: 1200,
        steps: [
          { name: 'checkout', description: null, result: 'SUCCESS', state: 'FINISHED', duration_ms: 200 },
          { name: 'make', description: null, result: 'SUCCESS', state: 'FINISHED', duration_ms: 1000 },
        ],
      },
      { name: 'Deploy', description: null, result: 'FAILURE', state: 'FINISHED', duration_ms: 300, steps: [] },
    ]);
    expect(got.body.stages[0]).toMatchObject({ identifier: null, stage_type: null, start_time: null, end_time: null });
  });

  it.each([
    ['wrapped as {"data": run}', (r: Record<string, unknown>) => ({ data: r })],
    ['wrapped as {"request_type", "payload"}', (r: Record<string, unknown>) => ({ request_type: 'CICD', payload: r })],
  ])('accepts the body %s', async (_name, wrap) => {
    const body = run(guid, { pipeline: 'wrapped' });
    const res = await s.api('POST', '/sei/api/v1/custom-cicd', wrap(body));
    expect(res.status).toBe(201);
    const got = await s.api('GET', `/v1/cicd/runs/${res.body.id}`);
    expect(got.body.pipeline).toBe('wrapped');
    expect(got.body.execution_id).toBe(body['execution_id']);
  });

  it.each([
    ['success', 'success'],
    ['FAILURE', 'failure'],
    ['Aborted', 'aborted'],
    ['UNSTABLE', 'unstable'],
    ['CANCELLED', 'canceled'],
    ['canceled', 'canceled'],
    ['SKIPPED', 'skipped'],
  ])('maps result %s to %s', async (posted, canonical) => {
    const res = await s.api('POST', '/v1/custom-cicd', run(guid, { result: posted }));
    expect(res.status).toBe(201);
    expect(res.body.result).toBe(canonical);
  });

  it('updates a run re-posted with the same execution_id instead of duplicating it', async () => {
    const first = run(guid, {
      result: 'FAILURE',
      scm_commit_ids: ['aaa', 'bbb'],
      job_run: { stages: [{ displayName: 'old' }] },
    });
    const a = await s.api('POST', '/v1/custom-cicd', first);
    const b = await s.api('POST', '/v1/custom-cicd', {
      ...first,
      result: 'SUCCESS',
      scm_commit_ids: ['ccc'],
      job_run: null,
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ id: a.body.id, status: 'updated' });
    const got = await s.api('GET', `/v1/cicd/runs/${a.body.id}`);
    expect(got.body).toMatchObject({ result: 'success', revision: 2, scm_commit_ids: ['ccc'], stages: [] });
    const rows = await s.db.query(`SELECT id FROM cicd_runs WHERE tenant_id = 'acme' AND execution_id = $1`, [
      first['execution_id'],
    ]);
    expect(rows).toHaveLength(1);
  });

  it('identifies a run without execution_id by job and build number, else start time', async () => {
    const base = run(guid, { execution_id: undefined, qualified_name: 'nightly', build_number: 7 });
    const a = await s.api('POST', '/v1/custom-cicd', base);
    const b = await s.api('POST', '/v1/custom-cicd', { ...base, result: 'FAILURE' });
    expect(b.body).toMatchObject({ id: a.body.id, status: 'updated', run_key: 'build:nightly#7' });
    const noBuild = run(guid, { execution_id: undefined, qualified_name: 'nightly', start_time: 1_700_000_000_000 });
    const c = await s.api('POST', '/v1/custom-cicd', noBuild);
    const d = await s.api('POST', '/v1/custom-cicd', noBuild);
    expect(c.body.run_key).toBe('start:nightly@1700000000000');
    expect(d.body).toMatchObject({ id: c.body.id, status: 'updated' });
  });

  it('stores 100 concurrent posts exactly once each, and concurrent re-posts once', async () => {
    const bodies = Array.from({ length: 100 }, (_, i) => run(guid, { pipeline: 'concurrent', build_number: i }));
    const answers = await Promise.all(bodies.map((b) => s.api('POST', '/v1/custom-cicd', b)));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(201));
    const rows = await s.db.query<{ n: number; keys: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT execution_id)::int AS keys FROM cicd_runs
       WHERE tenant_id = 'acme' AND pipeline = 'concurrent'`,
    );
    expect(rows[0]).toEqual({ n: 100, keys: 100 });

    const same = run(guid, { pipeline: 'same-run', scm_commit_ids: ['x1', 'x2'] });
    const again = await Promise.all(Array.from({ length: 20 }, () => s.api('POST', '/v1/custom-cicd', same)));
    expect(new Set(again.map((a) => a.body.id)).size).toBe(1);
    expect(again.filter((a) => a.status === 201)).toHaveLength(1);
    const one = await s.db.query<{ n: number; commits: number }>(
      `SELECT count(DISTINCT r.id)::int AS n, count(c.commit_sha)::int AS commits FROM cicd_runs r
       JOIN cicd_run_commits c ON c.tenant_id = r.tenant_id AND c.run_id = r.id
       WHERE r.tenant_id = 'acme' AND r.pipeline = 'same-run'`,
    );
    expect(one[0]).toEqual({ n: 1, commits: 2 });
  });

  it('lists runs filtered by instance, pipeline, result, branch and time window, paged', async () => {
    const { guid: other } = await makeInstance(s);
    const t0 = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 7; i++) {
      const res = await s.api(
        'POST',
        '/v1/custom-cicd',
        run(other, {
          pipeline: 'paged',
          start_time: t0 + i * 3_600_000,
          result: i % 2 === 0 ? 'SUCCESS' : 'FAILURE',
          branch_name: i < 4 ? 'main' : 'dev',
        }),
      );
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/cicd/runs?instance_guid=${other}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await s.api('GET', q);
      expect(page.status).toBe(200);
      seen.push(...page.body.runs.map((r: { start_time: string }) => r.start_time));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => new Date(t0 + (6 - i) * 3_600_000).toISOString()));

    const failed = await s.api('GET', `/v1/cicd/runs?instance_guid=${other}&result=failure`);
    expect(failed.body.runs).toHaveLength(3);
    const dev = await s.api('GET', `/v1/cicd/runs?pipeline=paged&branch=dev`);
    expect(dev.body.runs).toHaveLength(3);
    const window = await s.api(
      'GET',
      `/v1/cicd/runs?pipeline=paged&since=${new Date(t0 + 3_600_000).toISOString()}&until=${t0 + 3 * 3_600_000}`,
    );
    expect(window.body.runs).toHaveLength(2);
  });

  it('keeps tenants apart: another tenant cannot post to, list or read our runs', async () => {
    const otherKey = await makeTenant(s.db, `other-${kind}`);
    const mine = await s.api('POST', '/v1/custom-cicd', run(guid, { pipeline: 'private' }));
    expect(mine.status).toBe(201);

    const post = await s.api('POST', '/v1/custom-cicd', run(guid), { key: otherKey });
    expect(post.status).toBe(404);
    expect(post.body.error).toMatchObject({ code: 'unknown_instance', field: 'instance_guid' });
    expect((await s.api('GET', `/v1/cicd/runs/${mine.body.id}`, undefined, { key: otherKey })).status).toBe(404);
    const list = await s.api('GET', '/v1/cicd/runs?pipeline=private', undefined, { key: otherKey });
    expect(list.body.runs).toEqual([]);
    expect((await s.api('GET', `/v1/cicd/instances/${guid}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await s.api('GET', `/v1/integrations/${integrationId}`, undefined, { key: otherKey })).status).toBe(404);
    const inst = await s.api(
      'POST',
      '/v1/cicd/instances',
      { integration_id: integrationId, name: 'steal', type: 'jenkins' },
      { key: otherKey },
    );
    expect(inst.status).toBe(404);
  });

  it('lets an ingestion key post runs but not manage or read', async () => {
    const ingest = await addKey(s.db, 'acme', 'ingestion');
    expect((await s.api('POST', '/v1/custom-cicd', run(guid), { key: ingest })).status).toBe(201);
    const read = await s.api('GET', '/v1/cicd/runs', undefined, { key: ingest });
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('insufficient_role');
    expect((await s.api('POST', '/v1/integrations', { type: 'custom', name: 'x' }, { key: ingest })).status).toBe(403);
  });

  it('refuses missing, malformed and revoked keys with 401', async () => {
    const none = await s.api('POST', '/v1/custom-cicd', run(guid), { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('missing_api_key');
    const bad = await s.api('POST', '/v1/custom-cicd', run(guid), { key: 'sei_not-a-real-key' });
    expect(bad.body.error.code).toBe('invalid_api_key');
    const created = await s.api('POST', '/v1/keys', { name: 'temp', role: 'ingestion' });
    expect(created.status).toBe(201);
    expect((await s.api('POST', '/v1/custom-cicd', run(guid), { key: created.body.key })).status).toBe(201);
    expect((await s.api('DELETE', `/v1/keys/${created.body.info.id}`)).status).toBe(200);
    const revoked = await s.api('POST', '/v1/custom-cicd', run(guid), { key: created.body.key });
    expect(revoked.status).toBe(401);
    const stored = await s.db.query<{ key_hash: string }>(`SELECT key_hash FROM api_keys WHERE id = $1`, [
      created.body.info.id,
    ]);
    expect(stored[0]!.key_hash).not.toContain(created.body.key);
    const listed = await s.api('GET', '/v1/keys');
    expect(listed.text).not.toContain(created.body.key);
    const used = (listed.body.keys as { id: string; last_used_at: string | null }[]).find(
      (k) => k.id === created.body.info.id,
    );
    expect(used?.last_used_at).not.toBeNull();
  });
});
