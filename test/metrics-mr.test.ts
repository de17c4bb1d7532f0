// Merge request flow on a small scenario computed by hand, through the HTTP API, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainCommit, DomainMergeRequest, MergeRequestEvent } from '../src/domain/scm.js';
import { upsertMergeRequests, upsertRepos } from '../src/store/scm.js';
import { STORES } from './helpers/db.js';
import { run } from './helpers/runs.js';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const sha = (s: string) => s.padEnd(40, '0');

function commit(name: string, authored: string, additions: number, deletions: number): DomainCommit {
  return {
    repoKey: 'r1',
    sha: sha(name),
    title: name,
    message: name,
    authorName: 'ada',
    authorEmail: 'ada@example.com',
    authoredAt: new Date(authored),
    committerName: 'ada',
    committerEmail: 'ada@example.com',
    committedAt: new Date(authored),
    parentShas: [],
    additions,
    deletions,
    webUrl: null,
    onDefaultBranch: false,
  };
}

const event = (key: string, kind: MergeRequestEvent['kind'], actor: string, at: string): MergeRequestEvent => ({
  eventKey: key,
  kind,
  actor,
  createdAt: new Date(at),
  body: kind === 'approval' ? 'approved this merge request' : 'looks good',
});

function mr(
  key: string,
  created: string,
  merged: string | null,
  extra: Partial<DomainMergeRequest>,
): DomainMergeRequest {
  return {
    repoKey: 'r1',
    mrKey: key,
    upstreamId: key,
    title: `MR ${key}`,
    state: merged === null ? 'opened' : 'merged',
    draft: false,
    author: 'ada',
    sourceBranch: `feature/${key}`,
    targetBranch: 'main',
    headSha: null,
    mergeCommitSha: null,
    squashCommitSha: null,
    createdAt: new Date(created),
    updatedAt: new Date(merged ?? created),
    mergedAt: merged === null ? null : new Date(merged),
    closedAt: null,
    mergedBy: merged === null ? null : 'bob',
    labels: [],
    webUrl: null,
    commits: [],
    events: [],
    ...extra,
  };
}

describe.each(STORES)('merge request flow on %s', (kind) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer(kind);
    const { guid, integrationId } = await makeInstance(s);
    const target = { tenantId: 'acme', integrationId };
    await s.db.transaction(async (tx) => {
      await upsertRepos(tx, target, [
        {
          repoKey: 'r1',
          fullPath: 'acme/app',
          name: 'app',
          defaultBranch: 'main',
          webUrl: null,
          visibility: 'private',
          archived: false,
          createdAt: null,
          lastActivityAt: null,
        },
      ]);
      await upsertMergeRequests(tx, target, [
        // !1: coded 5 h, picked up after 20 h, reviewed 7 h, deployed 2 h 10 min after the merge.
        mr('1', '2024-03-04T13:00:00Z', '2024-03-05T16:00:00Z', {
          mergeCommitSha: sha('mc1'),
          commits: [commit('m1b', '2024-03-04T12:00:00Z', 5, 3), commit('m1a', '2024-03-04T08:00:00Z', 10, 2)],
          events: [
            event('e1', 'comment', 'ada', '2024-03-04T14:00:00Z'), // the author's own: not a review
            event('e2', 'comment', 'bob', '2024-03-05T09:00:00Z'),
            event('e3', 'approval', 'bob', '2024-03-05T15:00:00Z'),
          ],
        }),
        // !2: opened before its commit, merged without review, never deployed.
        mr('2', '2024-03-06T08:00:00Z', '2024-03-06T10:00:00Z', {
          commits: [commit('m2a', '2024-03-06T09:00:00Z', 100, 0)],
        }),
        mr('3', '2024-03-05T08:00:00Z', null, {}), // still open
        mr('4', '2024-03-07T08:00:00Z', '2024-03-20T08:00:00Z', {}), // merged after the window
      ]);
    });
    const res = await s.api('POST', '/v1/custom-cicd', {
      ...run(guid, { pipeline: 'deploy-app', job_full_name: 'deploy-app', qualified_name: 'deploy-app' }),
      start_time: Date.parse('2024-03-05T18:00:00Z'),
      duration: 10 * MIN,
      result: 'SUCCESS',
      cd: true,
      scm_commit_ids: [sha('mc1')],
    });
    expect(res.status, res.text).toBe(201);
  });
  afterAll(async () => s.close());

  it('gives cycle time and its stages, size and reviews over the merge requests merged in the window', async () => {
    const res = await s.api('GET', '/v1/metrics/merge-requests?from=2024-03-04&to=2024-03-10');
    expect(res.status, res.text).toBe(200);
    const b = res.body;
    expect(b.merged).toBe(2);
    expect(b.open_at_end).toBe(2);
    expect(b.stages.cycle).toEqual({ p50_ms: 17 * HOUR, p90_ms: 29 * HOUR, count: 2 });
    expect(b.stages.coding).toEqual({ p50_ms: 2.5 * HOUR, p90_ms: 4.5 * HOUR, count: 2 });
    expect(b.stages.pickup).toEqual({ p50_ms: 20 * HOUR, p90_ms: 20 * HOUR, count: 1 });
    expect(b.stages.review).toEqual({ p50_ms: 7 * HOUR, p90_ms: 7 * HOUR, count: 1 });
    expect(b.stages.merge_to_deploy).toEqual({ p50_ms: 2 * HOUR + 10 * MIN, p90_ms: 2 * HOUR + 10 * MIN, count: 1 });
    expect(b.size).toEqual({ commits_p50: 1.5, lines_changed_p50: 60 });
    expect(b.reviews).toEqual({ comments_p50: 0.5, approvals_avg: 0.5, merged_without_review: 1 });
    expect(b.series.map((p: { merged: number }) => p.merged)).toEqual([2]);
  });

  it('lead time for changes gives its stages from the merge requests first deployed in the window', async () => {
    const res = await s.api('GET', '/v1/metrics/lead-time-for-changes?from=2024-03-04&to=2024-03-11');
    expect(res.status, res.text).toBe(200);
    expect(res.body.details.stages).toEqual({
      basis: 'merge requests first deployed in the window (medians)',
      merge_requests: 1,
      coding_ms: 5 * HOUR,
      pickup_ms: 20 * HOUR,
      review_ms: 7 * HOUR,
      merge_to_deploy_ms: 2 * HOUR + 10 * MIN,
    });
    // The filters narrow the deployments that count: none of this pipeline shipped it.
    const other = await s.api('GET', '/v1/metrics/lead-time-for-changes?from=2024-03-04&to=2024-03-11&pipeline=other');
    expect(other.body.details.stages.merge_requests).toBe(0);
  });

  it('drills down to the merge requests, filters by repository and author, and exports CSV', async () => {
    const list = await s.api('GET', '/v1/metrics/merge-requests/records?from=2024-03-04&to=2024-03-10');
    expect(
      list.body.rows.map((r: { mr_key: string; merge_to_deploy_ms: number | null }) => [
        r.mr_key,
        r.merge_to_deploy_ms,
      ]),
    ).toEqual([
      ['2', null],
      ['1', 2 * HOUR + 10 * MIN],
    ]);
    const other = await s.api('GET', '/v1/metrics/merge-requests?from=2024-03-04&to=2024-03-10&repo=acme/other');
    expect(other.body.merged).toBe(0);
    const bob = await s.api('GET', '/v1/metrics/merge-requests?from=2024-03-04&to=2024-03-10&author=bob');
    expect(bob.body.merged).toBe(0);
    const csv = await s.api('GET', '/v1/metrics/merge-requests/records?from=2024-03-04&to=2024-03-10&format=csv');
    expect(csv.text.split('\r\n')[0]).toMatch(/^repo,mr_key,title,author,created_at,merged_at,deployed_at,cycle_ms,/);
  });
});
