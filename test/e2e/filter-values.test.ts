// GET /v1/metrics/filter-values (the dashboards' filter dropdowns) over HTTP, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRuns } from '../../src/store/runs.js';
import { upsertRepos } from '../../src/store/scm.js';
import { STORES } from '../helpers/db.js';
import { pulled, repo, run } from '../helpers/runs.js';
import { addKey, makeInstance, makeTenant, startServer, type TestServer } from '../helpers/server.js';

describe.each(STORES)('filter values on %s', (kind) => {
  let s: TestServer;
  let guid: string;
  let otherKey: string;
  let otherGuid: string;

  const post = async (g: string, key: string | undefined, extra: Record<string, unknown>) => {
    const p = String(extra['pipeline']);
    const res = await s.api(
      'POST',
      '/v1/custom-cicd',
      run(g, { job_full_name: p, qualified_name: p, start_time: Date.now() - 3_600_000, ...extra }),
      { key },
    );
    expect(res.status, res.text).toBe(201);
  };

  beforeAll(async () => {
    s = await startServer(kind);
    const acme = await makeInstance(s);
    guid = acme.guid;
    await post(guid, undefined, { pipeline: 'deploy-web', cd: true, branch_name: 'main' });
    await post(guid, undefined, { pipeline: 'deploy-api', cd: true, result: 'FAILURE', branch_name: 'main' });
    await post(guid, undefined, { pipeline: 'build-web', ci: true, branch_name: 'feature/login' });
    // Canceled: a CD run the default profile does not count, so not a deployment value.
    await post(guid, undefined, { pipeline: 'deploy-old', cd: true, result: 'ABORTED', branch_name: 'release/1' });
    await s.db.transaction(async (tx) => {
      await upsertRepos(tx, { tenantId: 'acme', integrationId: acme.integrationId }, [repo('web'), repo('gone')]);
    });
    // Pulled (Harness-like) runs with deployment targets: a staging one (not production) and a prod one.
    const hour = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    await s.db.transaction((tx) =>
      upsertRuns(tx, 'acme', [
        {
          integrationId: acme.integrationId,
          source: 'harnessng',
          run: pulled('h1', hour(5), 'success', ['staging', 'PreProduction']),
        },
        {
          integrationId: acme.integrationId,
          source: 'harnessng',
          run: pulled('h2', hour(4), 'success', ['prod', 'Production']),
        },
      ]),
    );
    await s.db.query(`UPDATE scm_repos SET gone_at = now() WHERE tenant_id = 'acme' AND repo_key = 'gone'`);

    otherKey = await makeTenant(s.db, 'other');
    otherGuid = (await makeInstance(s, otherKey)).guid;
    await post(otherGuid, otherKey, { pipeline: 'secret-deploy', cd: true, branch_name: 'secret-branch' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("answers the tenant's distinct values, sorted", async () => {
    const res = await s.api('GET', '/v1/metrics/filter-values');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      sources: ['custom', 'harnessng'],
      pipelines: ['deploy-api', 'deploy-web', 'deploy_api'],
      // Webhook CD runs without targets: the service is the pipeline, the environment production.
      services: ['api', 'deploy-api', 'deploy-web'],
      environments: ['prod', 'production'],
      ci_pipelines: ['build-web', 'deploy-api', 'deploy-old', 'deploy-web', 'deploy_api'],
      ci_sources: ['custom', 'harnessng'],
      branches: ['feature/login', 'main', 'release/1'],
      environment_types: ['PreProduction', 'Production'],
      repositories: ['acme/web'],
    });
    // The deployments behind the first four lists are the attempts the metrics count.
    const df = await s.api('GET', '/v1/metrics/change-failure-rate');
    expect(df.status, df.text).toBe(200);
    expect(df.body.count).toBe(3);
  });

  it('follows new runs and the profile at once', async () => {
    await post(guid, undefined, { pipeline: 'deploy-batch', cd: true, branch_name: 'hotfix' });
    let res = await s.api('GET', '/v1/metrics/filter-values');
    expect(res.body.pipelines).toEqual(['deploy-api', 'deploy-batch', 'deploy-web', 'deploy_api']);
    expect(res.body.branches).toEqual(['feature/login', 'hotfix', 'main', 'release/1']);

    // Counting canceled runs too makes deploy-old a deployment; PreProduction targets become production.
    const put = await s.api('PUT', '/v1/metrics/profile', {
      counted_results: ['success', 'failure', 'unstable', 'aborted'],
      production_environment_types: ['production', 'preproduction'],
    });
    expect(put.status, put.text).toBe(200);
    res = await s.api('GET', '/v1/metrics/filter-values');
    expect(res.body.pipelines).toEqual(['deploy-api', 'deploy-batch', 'deploy-old', 'deploy-web', 'deploy_api']);
    expect(res.body.services).toEqual(['api', 'deploy-api', 'deploy-batch', 'deploy-old', 'deploy-web']);
    expect(res.body.environments).toEqual(['prod', 'production', 'staging']);
  });

  it("never shows another tenant's values", async () => {
    const acme = await s.api('GET', '/v1/metrics/filter-values');
    expect(JSON.stringify(acme.body)).not.toContain('secret');
    const other = await s.api('GET', '/v1/metrics/filter-values', undefined, { key: otherKey });
    expect(other.status).toBe(200);
    expect(other.body).toEqual({
      sources: ['custom'],
      pipelines: ['secret-deploy'],
      services: ['secret-deploy'],
      environments: ['production'],
      ci_pipelines: ['secret-deploy'],
      ci_sources: ['custom'],
      branches: ['secret-branch'],
      environment_types: [],
      repositories: [],
    });
  });

  it('needs an admin key', async () => {
    const none = await s.api('GET', '/v1/metrics/filter-values', undefined, { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('missing_api_key');
    const ingestion = await addKey(s.db, 'acme', 'ingestion');
    const weak = await s.api('GET', '/v1/metrics/filter-values', undefined, { key: ingestion });
    expect(weak.status).toBe(403);
  });

  it('answers the default profile, the one a tenant starts with', async () => {
    const other = await s.api('GET', '/v1/metrics/profile', undefined, { key: otherKey });
    const defaults = await s.api('GET', '/v1/metrics/profile/defaults');
    expect(defaults.status).toBe(200);
    expect(defaults.body).toEqual(other.body);
    expect(defaults.body.profile.webhook_cd_is_production).toBe(true);
    expect((await s.api('GET', '/v1/metrics/profile/defaults', undefined, { key: null })).status).toBe(401);
  });

  it('is in the OpenAPI document with its answer and errors', async () => {
    const doc = await s.api('GET', '/openapi.json', undefined, { key: null });
    const op = doc.body.paths['/v1/metrics/filter-values'].get;
    expect(Object.keys(op.responses).sort()).toEqual(['200', '401', '403']);
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toContain('branches');
  });
});
