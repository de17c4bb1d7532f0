// Golden tests: small scenarios computed by hand, through the real HTTP API, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainRun } from '../src/domain/cicd-run.js';
import { upsertIncidents } from '../src/store/incidents.js';
import { upsertRuns } from '../src/store/runs.js';
import { upsertCommits, upsertRepos } from '../src/store/scm.js';
import { STORES } from './helpers/db.js';
import { commitOn, pulled, repo, run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string): number => Date.parse(iso);

describe.each(STORES)('DORA metrics on %s', (kind) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer(kind);
    const { guid, integrationId } = await makeInstance(s);
    const post = async (pipeline: string, start: string, result: string, extra: Record<string, unknown> = {}) => {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline, job_full_name: pipeline, qualified_name: pipeline }),
        start_time: at(start),
        duration: 10 * MIN,
        result,
        cd: true,
        ...extra,
      });
      expect(res.status, res.text).toBe(201);
    };
    // Week of Monday 2024-03-04 (UTC): a deploy, a failed one fixed two hours later, a Harness prod deploy.
    await post('deploy-web', '2024-03-04T10:00:00Z', 'SUCCESS');
    await post('deploy-web', '2024-03-05T10:00:00Z', 'FAILURE');
    await post('deploy-web', '2024-03-05T12:00:00Z', 'SUCCESS');
    // Week of 2024-03-11: two failures in a row, fixed four hours after the first.
    await post('deploy-web', '2024-03-11T09:00:00Z', 'SUCCESS');
    await post('deploy-web', '2024-03-12T09:00:00Z', 'FAILURE');
    await post('deploy-web', '2024-03-12T09:30:00Z', 'FAILURE');
    await post('deploy-web', '2024-03-12T13:00:00Z', 'SUCCESS');
    // Not deployments: aborted (never deployed), a CI run, a deploy outside the window.
    await post('deploy-web', '2024-03-13T10:00:00Z', 'ABORTED');
    await post('build-web', '2024-03-13T11:00:00Z', 'SUCCESS', { cd: false, ci: true });
    await post('deploy-web', '2024-03-20T10:00:00Z', 'SUCCESS');
    // Sunday evening UTC, Monday morning in Tokyo.
    await post('deploy-tz', '2024-03-10T20:00:00Z', 'SUCCESS');
    await s.db.transaction((tx) =>
      upsertRuns(tx, 'acme', [
        {
          integrationId,
          source: 'harnessng',
          run: pulled('h-staging', '2024-03-06T08:00:00Z', 'success', ['staging', 'PreProduction']),
        },
        {
          integrationId,
          source: 'harnessng',
          run: pulled('h-prod', '2024-03-07T08:00:00Z', 'success', ['prod', 'Production']),
        },
        {
          integrationId,
          source: 'harnessng',
          run: pulled('h-running', '2024-03-14T08:00:00Z', 'running', ['prod', 'Production']),
        },
      ]),
    );
  });
  afterAll(async () => s.close());

  const WINDOW = 'from=2024-03-04&to=2024-03-17';
  const metric = async (name: string, query = '') => {
    const res = await s.api('GET', `/v1/metrics/${name}?${WINDOW}&pipeline=deploy-web${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  it('deployment frequency: successful production deployments per week, deployment days, band', async () => {
    const all = await s.api('GET', `/v1/metrics/deployment-frequency?${WINDOW}`);
    expect(all.status, all.text).toBe(200);
    // deploy-web 4, deploy_api in Production 1, deploy-tz 1; staging, running, aborted, CI and later ones do not count.
    expect(all.body.count).toBe(6);
    expect(all.body.value).toBeCloseTo((6 / 14) * 7, 10);
    expect(all.body.band).toEqual({ name: 'high', source: expect.stringContaining('2023') });
    expect(all.body.series.map((p: { bucket: string; count: number }) => [p.bucket, p.count])).toEqual([
      ['2024-03-04', 4],
      ['2024-03-11', 2],
    ]);
    expect(all.body.details.deployment_days).toBe(6); // 03-04, 03-05, 03-07, 03-10, 03-11, 03-12
    expect(all.body).toMatchObject({ time_zone: 'UTC', interval: 'week', unit: 'deployments per week' });
    expect(all.body.window).toEqual({ from: '2024-03-04T00:00:00.000Z', to: '2024-03-18T00:00:00.000Z' });
    expect(all.body.profile.production_environment_types).toEqual(['production']);

    const daily = await metric('deployment-frequency', '&interval=day');
    expect(daily.series).toHaveLength(14);
    expect(daily.series[1]).toMatchObject({ bucket: '2024-03-05', count: 1 });
    expect(daily.value).toBeCloseTo(4 / 14, 10);
  });

  it('puts days and weeks in the asked time zone', async () => {
    const utc = await s.api('GET', `/v1/metrics/deployment-frequency?${WINDOW}&pipeline=deploy-tz`);
    expect(utc.body.series.map((p: { count: number }) => p.count)).toEqual([1, 0]);
    const tokyo = await s.api(
      'GET',
      `/v1/metrics/deployment-frequency?${WINDOW}&pipeline=deploy-tz&time_zone=Asia/Tokyo`,
    );
    expect(tokyo.status, tokyo.text).toBe(200);
    expect(tokyo.body.window.from).toBe('2024-03-03T15:00:00.000Z'); // Tokyo's midnight
    expect(tokyo.body.series.map((p: { bucket: string; count: number }) => [p.bucket, p.count])).toEqual([
      ['2024-03-04', 0],
      ['2024-03-11', 1],
    ]);
    expect(tokyo.body.series[0].start).toBe('2024-03-03T15:00:00.000Z');
  });

  it('change failure rate counts deployments, failed ones over all', async () => {
    const cfr = await metric('change-failure-rate');
    expect(cfr.count).toBe(7);
    expect(cfr.details).toEqual({ failed: 3, deployments: 7, linked_to_incidents: 0, incident_window_hours: 24 });
    expect(cfr.value).toBeCloseTo(3 / 7, 10);
    expect(cfr.band.name).toBe('low');
    expect(cfr.series.map((p: { value: number; count: number }) => [p.count, p.value])).toEqual([
      [3, 1 / 3],
      [4, 0.5],
    ]);
  });

  it('change failure rate: an incident opened soon after a deployment fails it, once', async () => {
    const { guid, integrationId } = await makeInstance(s);
    for (const [id, start] of [
      ['inc-1', '2024-04-01T10:00:00Z'],
      ['inc-2', '2024-04-02T10:00:00Z'],
      ['inc-3', '2024-04-03T10:00:00Z'],
    ] as const) {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline: 'deploy-inc', job_full_name: 'deploy-inc', qualified_name: 'deploy-inc' }),
        execution_id: id,
        start_time: at(start),
        duration: 10 * MIN,
        result: 'SUCCESS',
        cd: true,
      });
      expect(res.status, res.text).toBe(201);
    }
    const incident = (key: string, opened: string, services: string[]) => ({
      incidentKey: key,
      upstreamId: null,
      repoKey: null,
      title: key,
      state: 'opened',
      severity: 'HIGH' as const,
      labels: services.map((x) => `service::${x}`),
      services,
      webUrl: null,
      openedAt: new Date(opened),
      resolvedAt: null,
      updatedAt: new Date(opened),
    });
    await s.db.transaction((tx) =>
      upsertIncidents(tx, { tenantId: 'acme', integrationId, source: 'gitlab' }, [
        incident('1#1', '2024-04-02T12:00:00Z', ['deploy-inc']), // 2 h after inc-2: fails it
        incident('1#2', '2024-04-02T13:00:00Z', ['deploy-inc']), // the same deployment: still one failure
        incident('1#3', '2024-04-03T11:00:00Z', ['another-service']), // not this service
        incident('1#4', '2024-04-05T12:00:00Z', ['deploy-inc']), // 50 h after inc-3: outside 24 h
      ]),
    );
    const url = '/v1/metrics/change-failure-rate?from=2024-04-01&to=2024-04-08&pipeline=deploy-inc';
    const cfr = await s.api('GET', url);
    expect(cfr.status, cfr.text).toBe(200);
    expect(cfr.body.details).toEqual({ failed: 1, deployments: 3, linked_to_incidents: 1, incident_window_hours: 24 });
    const records = await s.api('GET', cfr.body.records_url);
    expect(records.body.rows.map((r: { failed: boolean; incident: string | null }) => [r.failed, r.incident])).toEqual([
      [false, null],
      [true, '1#1'],
      [false, null],
    ]);
    // A wider window reaches the last incident too; 0 turns incident links off.
    for (const [hours, failed] of [
      [72, 2],
      [0, 0],
      [24, 1],
    ] as const) {
      const put = await s.api('PUT', '/v1/metrics/profile', { incident_window_hours: hours });
      expect(put.status, put.text).toBe(200);
      expect((await s.api('GET', url)).body.details.failed).toBe(failed);
    }
  });

  it('time to restore runs from the first failure of a streak to the next success: median and p90', async () => {
    const ttr = await metric('time-to-restore');
    expect(ttr.count).toBe(2);
    expect(ttr.value).toBe(3 * HOUR); // median of 2 h and 4 h
    expect(ttr.details.p90_ms).toBeCloseTo(3.8 * HOUR, 3);
    expect(ttr.details.not_restored_yet).toBe(0);
    expect(ttr.band.name).toBe('high');
    expect(ttr.series.map((p: { value: number }) => p.value)).toEqual([2 * HOUR, 4 * HOUR]);
  });

  it('answers a window with no deployments plainly', async () => {
    const none = `/v1/metrics/deployment-frequency?${WINDOW}&pipeline=nothing`;
    const df = (await s.api('GET', none)).body;
    expect(df).toMatchObject({ value: 0, count: 0, band: { name: 'low' } });
    const cfr = (await s.api('GET', none.replace('deployment-frequency', 'change-failure-rate'))).body;
    expect(cfr).toMatchObject({ value: null, count: 0, band: null });
    const ttr = (await s.api('GET', none.replace('deployment-frequency', 'time-to-restore'))).body;
    expect(ttr).toMatchObject({ value: null, count: 0, band: null });
  });

  it('drills down to the records behind a number, paged and as CSV', async () => {
    const cfr = await metric('change-failure-rate');
    const page = await s.api('GET', `${cfr.records_url}&limit=3`);
    expect(page.status, page.text).toBe(200);
    expect(page.body.rows).toHaveLength(3);
    expect(page.body.next_offset).toBe(3);
    expect(page.body.rows[0]).toMatchObject({ pipeline: 'deploy-web', result: 'success', failed: false });
    const csv = await s.api('GET', `${cfr.records_url}&format=csv`);
    expect(csv.status).toBe(200);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('run_id,source,pipeline,service,environment,result,failed,finished_at,incident');
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.includes(',failure,true,'))).toHaveLength(3);
    const ttr = await s.api('GET', `/v1/metrics/time-to-restore/records?${WINDOW}&pipeline=deploy-web`);
    expect(ttr.body.rows.map((r: { restore_ms: number }) => r.restore_ms)).toEqual([4 * HOUR, 2 * HOUR]);
  });

  it('previews a profile change, then follows it at once when saved', async () => {
    const change = { production_environment_types: ['production', 'preproduction'] };
    const preview = await s.api('POST', `/v1/metrics/profile/preview?${WINDOW}`, change);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({
      added: 1,
      removed: 0,
      current: { deployments: 9 },
      proposed: { deployments: 10 },
    });
    expect(preview.body.message).toContain('turns 1 run(s) into deployments');
    expect((await s.api('GET', `/v1/metrics/deployment-frequency?${WINDOW}`)).body.count).toBe(6);

    const saved = await s.api('PUT', '/v1/metrics/profile', change);
    expect(saved.status, saved.text).toBe(200);
    expect((await s.api('GET', `/v1/metrics/deployment-frequency?${WINDOW}`)).body.count).toBe(7);
    const back = await s.api('PUT', '/v1/metrics/profile', { production_environment_types: ['production'] });
    expect(back.body.profile.production_environment_types).toEqual(['production']);
  });

  it('lead time: each change once, at its first deployment, walking the connected history back to the last one', async () => {
    const { guid, integrationId } = await makeInstance(s);
    const sha = (n: string) => n.padEnd(40, '0');
    // A connected repository: c1 <- c2 <- c3 <- c4 <- c5, one commit a day or so; x1 in a second one.
    const commit = (repo: string, name: string, time: string, parent: string | null) =>
      commitOn(repo, sha(name), time, parent === null ? null : sha(parent));
    const target = { tenantId: 'acme', integrationId };
    await s.db.transaction(async (tx) => {
      await upsertRepos(tx, target, [repo('r1'), repo('r2')]);
      await upsertCommits(tx, target, [
        commit('r1', 'c1', '2024-03-01T00:00:00Z', null),
        commit('r1', 'c2', '2024-03-02T00:00:00Z', 'c1'),
        commit('r1', 'c3', '2024-03-05T00:00:00Z', 'c2'),
        commit('r1', 'c4', '2024-03-06T00:00:00Z', 'c3'),
        commit('r1', 'c5', '2024-03-07T00:00:00Z', 'c4'),
        commit('r2', 'x1', '2024-03-08T00:00:00Z', null),
      ]);
    });
    const deploy = async (id: string, start: string, shas: string[]) => {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline: 'deploy-graph', job_full_name: 'deploy-graph', qualified_name: 'deploy-graph' }),
        execution_id: id,
        start_time: at(start),
        duration: 10 * MIN,
        result: 'SUCCESS',
        cd: true,
        scm_commit_ids: shas.map(sha),
      });
      expect(res.status, res.text).toBe(201);
    };
    await deploy('g1', '2024-03-03T10:00:00Z', ['c2']); // the first known: c1 before it is not blamed on it
    await deploy('g2', '2024-03-08T10:00:00Z', ['c5', 'x1']); // ships c3, c4, c5 (back to c2) and x1
    await deploy('g3', '2024-03-09T10:00:00Z', ['c5']); // shipped again: counted at g2 only
    await deploy('g4', '2024-03-09T11:00:00Z', ['u1']); // a SHA of a repository that is not connected

    const res = await s.api(
      'GET',
      '/v1/metrics/lead-time-for-changes?from=2024-03-03&to=2024-03-09&pipeline=deploy-graph',
    );
    expect(res.status, res.text).toBe(200);
    const h = (hours: number) => hours * HOUR + 10 * MIN; // deployments finish 10 minutes after they start
    expect(res.body.count).toBe(5);
    expect(res.body.value).toBe(h(34)); // median of 10, 34, 34, 58, 82 hours (+10 min)
    expect(res.body.details.p90_ms).toBeCloseTo(h(58) + 0.6 * 24 * HOUR, 0);
    expect(res.body.details.deployments).toBe(3); // g1, g2 and g4 (whose one change has no known time)
    expect(res.body.details.left_out.changes).toBe(1);
    expect(res.body.details.left_out.reason).toContain('not connected');
    expect(res.body.band.name).toBe('high');
    const records = await s.api('GET', `${res.body.records_url}&limit=100`);
    const leads = Object.fromEntries(
      records.body.rows.map((r: { sha: string; lead_ms: number | null }) => [r.sha.slice(0, 2), r.lead_ms]),
    );
    expect(leads).toEqual({ c2: h(34), c3: h(82), c4: h(58), c5: h(34), x1: h(10), u1: null });
    // Deployment frequency counts the multi-repository deployment once.
    const df = await s.api(
      'GET',
      '/v1/metrics/deployment-frequency?from=2024-03-03&to=2024-03-09&pipeline=deploy-graph',
    );
    expect(df.body.count).toBe(4);
  });

  it('lead time follows data that arrives late or out of order, and equals a full rebuild', async () => {
    const { guid, integrationId } = await makeInstance(s);
    const sha = (n: string) => `${n}late`.padEnd(40, 'e');
    const commit = (name: string, time: string, parent: string | null) =>
      commitOn('r3', sha(name), time, parent === null ? null : sha(parent));
    const deploy = async (id: string, start: string, head: string) => {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline: 'deploy-late', job_full_name: 'deploy-late', qualified_name: 'deploy-late' }),
        execution_id: id,
        start_time: at(start),
        duration: 10 * MIN,
        result: 'SUCCESS',
        cd: true,
        scm_commit_ids: [sha(head)],
      });
      expect(res.status, res.text).toBe(201);
    };
    const url = '/v1/metrics/lead-time-for-changes?from=2024-03-01&to=2024-03-08&pipeline=deploy-late';
    const leads = async () => {
      const res = await s.api('GET', url);
      expect(res.status, res.text).toBe(200);
      const records = await s.api('GET', `${res.body.records_url}&limit=100`);
      const rows = records.body.rows as { sha: string; run_id: string; lead_ms: number | null }[];
      return {
        count: res.body.count,
        left_out: res.body.details.left_out.changes,
        leads: Object.fromEntries(rows.map((r) => [r.sha.slice(0, 2), r.lead_ms])),
      };
    };
    const h = (hours: number) => hours * HOUR + 10 * MIN;

    // A deployment whose commit no connected repository knows yet: left out, and said so.
    await deploy('late-2', '2024-03-06T10:00:00Z', 'd4');
    expect(await leads()).toEqual({ count: 0, left_out: 1, leads: { d4: null } });

    // The repository's history arrives: the first known deployment is blamed for its own commit only.
    await s.db.transaction(async (tx) => {
      const target = { tenantId: 'acme', integrationId };
      await upsertRepos(tx, target, [repo('r3')]);
      await upsertCommits(tx, target, [
        commit('d1', '2024-03-01T00:00:00Z', null),
        commit('d2', '2024-03-02T00:00:00Z', 'd1'),
        commit('d3', '2024-03-03T00:00:00Z', 'd2'),
        commit('d4', '2024-03-04T00:00:00Z', 'd3'),
      ]);
    });
    expect(await leads()).toEqual({ count: 1, left_out: 0, leads: { d4: h(58) } });

    // An earlier deployment arrives last: it becomes the first one, and the later one ships d2 to d4.
    await deploy('late-1', '2024-03-02T10:00:00Z', 'd1');
    const incremental = await leads();
    expect(incremental).toEqual({
      count: 4,
      left_out: 0,
      leads: { d1: h(34), d2: h(106), d3: h(82), d4: h(58) },
    });

    // Saving the profile rebuilds everything from scratch: the same answer.
    const saved = await s.api('PUT', '/v1/metrics/profile', {});
    expect(saved.status, saved.text).toBe(200);
    expect(await leads()).toEqual(incremental);
  });

  it('lead time of a Harness CD execution: the CI run that built its artifact tag lists the changes', async () => {
    const { integrationId } = await makeInstance(s);
    const sha1 = 'ab12cd34'.padEnd(40, '1');
    const sha2 = 'ef56ab78'.padEnd(40, '2');
    const build: DomainRun = {
      ...pulled('ci-1', '2024-03-05T08:00:00Z', 'success', ['-', '-']),
      pipeline: 'build_api',
      ci: true,
      cd: false,
      deployTargets: [],
      commits: [
        { sha: sha1, committedAt: new Date('2024-03-04T08:00:00Z') },
        { sha: sha2, committedAt: new Date('2024-03-05T06:00:00Z') },
      ],
    };
    const deploy: DomainRun = {
      ...pulled('cd-1', '2024-03-06T08:00:00Z', 'success', ['prod', 'Production']),
      pipeline: 'deploy_tagged',
      artifacts: [
        {
          input: true,
          output: false,
          type: 'artifact',
          location: null,
          name: 'registry.example.com/api:ab12cd3',
          qualifier: null,
          hash: null,
          metadata: null,
        },
      ],
    };
    await s.db.transaction((tx) =>
      upsertRuns(tx, 'acme', [
        { integrationId, source: 'harnessng', run: build },
        { integrationId, source: 'harnessng', run: deploy },
      ]),
    );
    const res = await s.api(
      'GET',
      '/v1/metrics/lead-time-for-changes?from=2024-03-04&to=2024-03-09&pipeline=deploy_tagged',
    );
    expect(res.status, res.text).toBe(200);
    // The deployment finishes 2024-03-06 08:20: 48 h 20 min after the first change, 26 h 20 min after the second.
    expect(res.body.count).toBe(2);
    expect(res.body.value).toBe(37 * HOUR + 20 * MIN);
    expect(res.body.details.left_out.changes).toBe(0);
  });

  it('lead time of a deployment that takes in an artifact: the CI run that put it out, by name and qualifier', async () => {
    const { integrationId } = await makeInstance(s);
    const artifact = (qualifier: string, output: boolean) => ({
      input: !output,
      output,
      type: 'container',
      location: null,
      name: 'registry.example.com/web',
      qualifier,
      hash: null,
      metadata: null,
    });
    const build = (key: string, start: string, qualifier: string, commits: [string, string][]): DomainRun => ({
      ...pulled(key, start, 'success', ['-', '-']),
      pipeline: 'build_web',
      ci: true,
      cd: false,
      deployTargets: [],
      artifacts: [artifact(qualifier, true)],
      commits: commits.map(([sha, time]) => ({ sha: sha.padEnd(40, '3'), committedAt: new Date(time) })),
    });
    await s.db.transaction((tx) =>
      upsertRuns(tx, 'acme', [
        {
          integrationId,
          source: 'harnessng',
          run: build('ci-web-1', '2024-03-05T08:00:00Z', '1.4.1', [['aa01', '2024-03-01T08:00:00Z']]),
        },
        {
          integrationId,
          source: 'harnessng',
          run: build('ci-web-2', '2024-03-05T09:00:00Z', '1.4.2', [['bb02', '2024-03-05T06:00:00Z']]),
        },
        {
          integrationId,
          source: 'harnessng',
          run: {
            ...pulled('cd-web', '2024-03-06T08:00:00Z', 'success', ['prod', 'Production']),
            pipeline: 'deploy_named',
            artifacts: [artifact('1.4.2', false)],
          },
        },
      ]),
    );
    const res = await s.api(
      'GET',
      '/v1/metrics/lead-time-for-changes?from=2024-03-04&to=2024-03-09&pipeline=deploy_named',
    );
    expect(res.status, res.text).toBe(200);
    // Only 1.4.2's build: its one change, 26 h 20 min before the deployment finished.
    expect(res.body.count).toBe(1);
    expect(res.body.value).toBe(26 * HOUR + 20 * MIN);
  });

  it("gives the README's worked example its figures", async () => {
    const { guid } = await makeInstance(s);
    const base = {
      job_name: 'deploy-readme',
      job_full_name: 'deploy-readme',
      instance_name: 'Jenkins-1',
      instance_guid: guid,
      duration: 600000,
      cd: true,
    };
    for (const [id, start, result, sha] of [
      ['d1', 1709546400000, 'SUCCESS', 'a1b2c3'],
      ['d2', 1709632800000, 'FAILURE', 'd4e5f6'],
      ['d3', 1709635500000, 'SUCCESS', 'a7b8c9'],
    ] as const) {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...base,
        execution_id: id,
        start_time: start,
        result,
        scm_commit_ids: [sha],
      });
      expect(res.status, res.text).toBe(201);
    }
    const get = async (m: string) =>
      (await s.api('GET', `/v1/metrics/${m}?from=2024-03-04&to=2024-03-10&pipeline=deploy-readme`)).body;
    expect(await get('deployment-frequency')).toMatchObject({ value: 2, count: 2, band: { name: 'high' } });
    const cfr = await get('change-failure-rate');
    expect(cfr).toMatchObject({ count: 3, band: { name: 'low' } });
    expect(cfr.value).toBeCloseTo(1 / 3, 10);
    expect(await get('time-to-restore')).toMatchObject({ value: 2_700_000, count: 1, band: { name: 'elite' } });
    const lead = await get('lead-time-for-changes');
    expect(lead).toMatchObject({ value: null, count: 0, band: null });
    expect(lead.details.left_out.changes).toBe(2); // the two successful deployments' commits
    expect(lead.details.left_out.reason).toContain('not connected');
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const tz = await s.api('GET', '/v1/metrics/deployment-frequency?time_zone=Mars/Olympus');
    expect(tz.status).toBe(400);
    expect(tz.body.error).toMatchObject({ code: 'invalid_time_zone', field: 'time_zone' });
    const from = await s.api('GET', '/v1/metrics/change-failure-rate?from=yesterday');
    expect(from.body.error).toMatchObject({ field: 'from' });
    const order = await s.api('GET', '/v1/metrics/time-to-restore?from=2024-03-10&to=2024-03-01');
    expect(order.body.error).toMatchObject({ code: 'invalid_window' });
    const interval = await s.api('GET', '/v1/metrics/deployment-frequency?interval=year');
    expect(interval.status).toBe(400);
    const profile = await s.api('PUT', '/v1/metrics/profile', { failure_results: 'failure' });
    expect(profile.status).toBe(400);
    expect(JSON.stringify(profile.body)).toContain('failure_results');
  });
});
