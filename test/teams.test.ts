// Teams: their API, and metrics read per team, through the real HTTP server on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertMergeRequests, upsertRepos } from '../src/store/scm.js';
import { STORES } from './helpers/db.js';
import { repo, run } from './helpers/runs.js';
import { makeInstance, makeTenant, startServer, type TestServer } from './helpers/server.js';

const MIN = 60_000;
const WINDOW = 'from=2024-03-04&to=2024-03-10';

describe.each(STORES)('teams on %s', (kind) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer(kind);
    const { guid, integrationId } = await makeInstance(s);
    const post = async (pipeline: string, start: string, result: string, cd: boolean) => {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline, job_full_name: pipeline, qualified_name: pipeline }),
        start_time: Date.parse(start),
        duration: 10 * MIN,
        result,
        cd,
        ci: !cd,
      });
      expect(res.status, res.text).toBe(201);
    };
    await post('deploy-web', '2024-03-04T10:00:00Z', 'SUCCESS', true);
    await post('deploy-web', '2024-03-05T10:00:00Z', 'FAILURE', true);
    await post('deploy-api', '2024-03-05T11:00:00Z', 'SUCCESS', true);
    await post('deploy-api', '2024-03-06T11:00:00Z', 'SUCCESS', true);
    await post('deploy-api', '2024-03-07T11:00:00Z', 'SUCCESS', true);
    await post('build-web', '2024-03-04T09:00:00Z', 'SUCCESS', false);
    await post('build-api', '2024-03-04T09:00:00Z', 'FAILURE', false);
    const target = { tenantId: 'acme', integrationId };
    const mr = (repoKey: string, key: string) => ({
      repoKey,
      mrKey: key,
      upstreamId: key,
      title: key,
      state: 'merged',
      draft: false,
      author: 'ada',
      sourceBranch: key,
      targetBranch: 'main',
      headSha: null,
      mergeCommitSha: null,
      squashCommitSha: null,
      createdAt: new Date('2024-03-05T08:00:00Z'),
      updatedAt: new Date('2024-03-05T12:00:00Z'),
      mergedAt: new Date('2024-03-05T12:00:00Z'),
      closedAt: null,
      mergedBy: 'bob',
      labels: [],
      webUrl: null,
      commits: [],
      events: [],
    });
    await s.db.transaction(async (tx) => {
      await upsertRepos(tx, target, [repo('web'), repo('api')]);
      await upsertMergeRequests(tx, target, [mr('web', '1'), mr('api', '2'), mr('api', '3')]);
    });
  });
  afterAll(async () => s.close());

  it('makes, lists, changes and deletes teams; a taken name is a 409 naming the field', async () => {
    const made = await s.api('POST', '/v1/teams', { name: 'Web', services: ['deploy-web', 'build-web'] });
    expect(made.status, made.text).toBe(201);
    expect(made.body.team).toMatchObject({ name: 'Web', services: ['deploy-web', 'build-web'], repositories: [] });
    const again = await s.api('POST', '/v1/teams', { name: 'Web' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'team_exists', field: 'name' });
    const bad = await s.api('POST', '/v1/teams', { name: 'X', services: 'deploy-web' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('services');
    const changed = await s.api('PUT', `/v1/teams/${made.body.team.id}`, { repositories: ['acme/web'] });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.team).toMatchObject({ services: ['deploy-web', 'build-web'], repositories: ['acme/web'] });
    expect((await s.api('PUT', '/v1/teams/999999', { name: 'Y' })).status).toBe(404);
    expect((await s.api('PUT', '/v1/teams/not-a-number', { name: 'Y' })).status).toBe(404);
    const other = await s.api('POST', '/v1/teams', { name: 'Gone' });
    expect((await s.api('DELETE', `/v1/teams/${other.body.team.id}`)).status).toBe(204);
    expect((await s.api('DELETE', `/v1/teams/${other.body.team.id}`)).status).toBe(404);
    const list = await s.api('GET', '/v1/teams');
    expect(list.body.teams.map((t: { name: string }) => t.name)).toEqual(['Web']);
  });

  it("keeps each tenant's teams to itself", async () => {
    const key = await makeTenant(s.db, `other-${kind}`);
    expect((await s.api('GET', '/v1/teams', undefined, { key })).body.teams).toEqual([]);
    const mine = (await s.api('GET', '/v1/teams')).body.teams[0];
    expect((await s.api('DELETE', `/v1/teams/${mine.id}`, undefined, { key })).status).toBe(404);
    const metric = await s.api('GET', `/v1/metrics/deployment-frequency?${WINDOW}&team=Web`, undefined, { key });
    expect(metric.status).toBe(400);
    expect(metric.body.error).toMatchObject({ code: 'unknown_team', field: 'team' });
  });

  it("reads the DORA metrics, CI/CD health and merge requests for a team's services and repositories", async () => {
    const get = async (path: string) => {
      const res = await s.api('GET', path);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const all = await get(`/v1/metrics/deployment-frequency?${WINDOW}`);
    const web = await get(`/v1/metrics/deployment-frequency?${WINDOW}&team=Web`);
    expect([all.count, web.count]).toEqual([4, 1]);
    expect(web.filters).toEqual({ team: 'Web' });
    const cfr = await get(`/v1/metrics/change-failure-rate?${WINDOW}&team=Web`);
    expect(cfr.details).toMatchObject({ failed: 1, deployments: 2 });
    const records = await get(`/v1/metrics/change-failure-rate/records?${WINDOW}&team=Web`);
    expect(records.rows.map((r: { pipeline: string }) => r.pipeline)).toEqual(['deploy-web', 'deploy-web']);
    const health = await get(`/v1/metrics/cicd-health?${WINDOW}&team=Web`);
    expect(health.by.rows.map((r: { key: string }) => r.key).sort()).toEqual(['build-web', 'deploy-web']);
    const mrs = await get(`/v1/metrics/merge-requests?${WINDOW}&team=Web`);
    expect([mrs.merged, mrs.filters]).toEqual([1, { team: 'Web' }]);
    expect((await get(`/v1/metrics/merge-requests?${WINDOW}`)).merged).toBe(3);
    const unknown = await s.api('GET', `/v1/metrics/cicd-health?${WINDOW}&team=Nobody`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('team');
  });
});
