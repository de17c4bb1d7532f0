// CI/CD health on a small scenario computed by hand, through the HTTP API, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from './helpers/db.js';
import { upsertRuns } from '../src/store/runs.js';
import { pulled, run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

const MIN = 60_000;
const noQueue = { queue_p50_ms: null, queue_p90_ms: null, queue_known_runs: 0 };

describe.each(STORES)('CI/CD health on %s', (kind) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer(kind);
    const { guid } = await makeInstance(s);
    const post = async (
      pipeline: string,
      branch: string,
      sha: string,
      start: string,
      result: string,
      minutes: number,
      extra: Record<string, unknown> = {},
    ) => {
      const res = await s.api('POST', '/v1/custom-cicd', {
        ...run(guid, { pipeline, job_full_name: pipeline, qualified_name: pipeline }),
        branch_name: branch,
        scm_commit_ids: [sha],
        start_time: Date.parse(start),
        duration: minutes * MIN,
        result,
        ci: true,
        ...extra,
      });
      expect(res.status, res.text).toBe(201);
    };
    await post('ci-app', 'main', 's1', '2024-03-04T10:00:00Z', 'FAILURE', 10);
    await post('ci-app', 'main', 's1', '2024-03-04T11:00:00Z', 'SUCCESS', 20); // the same commit passes: flaky
    await post('ci-app', 'main', 's2', '2024-03-05T10:00:00Z', 'SUCCESS', 30);
    await post('ci-app', 'main', 's3', '2024-03-05T12:00:00Z', 'ABORTED', 5);
    await post('ci-app', 'main', 's4', '2024-03-05T13:00:00Z', 'CANCELED', 1); // says nothing of health
    await post('ci-lib', 'dev', 't1', '2024-03-06T10:00:00Z', 'SUCCESS', 40, {
      job_run: {
        stages: [
          { displayName: 'build', result: 'SUCCESS', durationInMillis: 10 * MIN },
          { displayName: 'test', result: 'SUCCESS', durationInMillis: 30 * MIN },
        ],
      },
    });
  });
  afterAll(async () => s.close());

  it('gives queue time where the source says how long runs waited (GitLab), over those runs only', async () => {
    const { integrationId } = await makeInstance(s);
    const waited = (key: string, start: string, queuedMs: number | null) => ({
      integrationId,
      source: 'gitlab',
      run: {
        ...pulled(key, start, 'success', ['-', '-']),
        pipeline: 'acme/web',
        ci: true,
        cd: false,
        deployTargets: [],
        queuedMs,
      },
    });
    await s.db.transaction((tx) =>
      upsertRuns(tx, 'acme', [
        waited('q1', '2024-04-01T10:00:00Z', 60_000),
        waited('q2', '2024-04-01T11:00:00Z', 180_000),
        waited('q3', '2024-04-01T12:00:00Z', null),
      ]),
    );
    const res = await s.api('GET', '/v1/metrics/cicd-health?from=2024-04-01&to=2024-04-02&pipeline=acme/web');
    expect(res.status, res.text).toBe(200);
    expect(res.body.totals).toMatchObject({
      runs: 3,
      queue_p50_ms: 120_000,
      queue_p90_ms: 168_000,
      queue_known_runs: 2,
    });
    const runs = await s.api('GET', '/v1/cicd/runs?pipeline=acme/web&limit=10');
    expect(runs.body.runs.map((r: { queued_ms: number | null }) => r.queued_ms).sort()).toEqual([
      180_000,
      60_000,
      null,
    ]);
  });

  it('counts finished runs, their success rate and duration percentiles, by pipeline and by branch', async () => {
    const res = await s.api('GET', '/v1/metrics/cicd-health?from=2024-03-04&to=2024-03-10');
    expect(res.status, res.text).toBe(200);
    expect(res.body.totals).toEqual({
      runs: 5,
      success_rate: 0.6,
      duration_p50_ms: 20 * MIN,
      duration_p90_ms: 36 * MIN,
      queue_p50_ms: null,
      queue_p90_ms: null,
      queue_known_runs: 0,
    });
    expect(res.body.by.rows).toEqual([
      { key: 'ci-app', runs: 4, success_rate: 0.5, duration_p50_ms: 15 * MIN, duration_p90_ms: 27 * MIN, ...noQueue },
      { key: 'ci-lib', runs: 1, success_rate: 1, duration_p50_ms: 40 * MIN, duration_p90_ms: 40 * MIN, ...noQueue },
    ]);
    const byBranch = await s.api('GET', '/v1/metrics/cicd-health?from=2024-03-04&to=2024-03-10&group_by=branch');
    expect(byBranch.body.by.rows.map((r: { key: string; runs: number }) => [r.key, r.runs])).toEqual([
      ['main', 4],
      ['dev', 1],
    ]);
    const daily = await s.api('GET', '/v1/metrics/cicd-health?from=2024-03-04&to=2024-03-10&interval=day');
    expect(daily.body.series.map((p: { runs: number }) => p.runs)).toEqual([2, 2, 1, 0, 0, 0, 0]);
  });

  it('lists the slowest stages and the flaky commits (failed, then passed)', async () => {
    const res = await s.api('GET', '/v1/metrics/cicd-health?from=2024-03-04&to=2024-03-10');
    expect(
      res.body.slowest_stages.map((x: { stage: string; duration_p90_ms: number }) => [x.stage, x.duration_p90_ms]),
    ).toEqual([
      ['test', 30 * MIN],
      ['build', 10 * MIN],
    ]);
    expect(res.body.flaky).toEqual({
      commits: 1,
      failed_runs: 1,
      rows: [{ pipeline: 'ci-app', sha: 's1', failures: 1, successes: 1 }],
    });
    const lib = await s.api('GET', '/v1/metrics/cicd-health?from=2024-03-04&to=2024-03-10&pipeline=ci-lib');
    expect(lib.body.flaky.commits).toBe(0);
    expect(lib.body.totals.runs).toBe(1);
  });

  it('refuses a bad group_by or time zone with a 400 naming the field', async () => {
    const bad = await s.api('GET', '/v1/metrics/cicd-health?group_by=stage');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('group_by');
    const tz = await s.api('GET', '/v1/metrics/cicd-health?time_zone=Nowhere');
    expect(tz.body.error).toMatchObject({ field: 'time_zone' });
  });
});
