// GitLab normalize on real recorded payloads: DevLake's e2e raw tables, copied unchanged into
// test/fixtures/gitlab (see its README), wrapped here the way collect.ts stores each stream's records.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NormalizeMeta, Normalized, RawRecord } from '../src/connectors/connector.js';
import { guessTier, normalizeGitLab } from '../src/connectors/gitlab/normalize.js';
import type { CommitRow, DomainRun, StageRow } from '../src/domain/cicd-run.js';
import type { DomainCommit, DomainMergeRequest, MergeRequestEvent } from '../src/domain/scm.js';
import { reviewSummary } from '../src/domain/scm.js';

// ---- Recorded shapes (only the fields the domain has a place for) ----

interface User {
  username: string;
}
interface Commit {
  id: string;
  parent_ids: string[];
  title: string;
  message: string;
  author_name: string;
  author_email: string;
  authored_date: string;
  committer_name: string;
  committer_email: string;
  committed_date: string;
  web_url: string;
  stats?: { additions: number; deletions: number };
}
interface MergeRequest {
  id: number;
  iid: number;
  title: string;
  state: string;
  draft: boolean;
  work_in_progress: boolean;
  author: User;
  source_branch: string;
  target_branch: string;
  sha: string;
  merge_commit_sha: string | null;
  squash_commit_sha: string | null;
  created_at: string;
  updated_at: string;
  merged_at: string | null;
  closed_at: string | null;
  merge_user: User | null;
  labels: string[];
  web_url: string;
}
interface Note {
  id: number;
  body: string;
  system: boolean;
  author: User;
  created_at: string;
}
interface PipelineBasic {
  id: number;
  iid?: number;
  sha: string;
  ref: string;
  status: string;
  source?: string;
  created_at: string;
  updated_at: string;
  web_url: string;
}
interface PipelineDetail extends PipelineBasic {
  user: User;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
  /** Not in every recorded payload (older GitLab): then unknown. */
  queued_duration?: number | null;
  name: string | null;
}
interface Job {
  id: number;
  status: string;
  stage: string;
  name: string;
  allow_failure: boolean;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
  commit: Commit;
  pipeline: PipelineBasic;
  web_url: string;
  retried?: boolean;
}
interface Deployment {
  id: number;
  iid: number;
  ref: string;
  sha: string;
  created_at: string;
  updated_at?: string;
  user: User;
  environment: { name: string; tier?: string };
  deployable: Job;
  status: string;
}

interface Row<T> {
  row: number;
  url: string;
  input: { Iid: number; GitlabId: number } | { PipelineId: number } | null;
  data: T;
}

function rows<T>(file: string): Row<T>[] {
  const text = readFileSync(new URL(`./fixtures/gitlab/${file}`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { rows: Row<T>[] }).rows;
}

const mrRows = [
  ...rows<MergeRequest>('merge_requests.json'),
  ...rows<MergeRequest>('merge_requests_for_mr_notes_test.json'),
];
const commitRows = rows<Commit>('merge_request_commits.json');
const noteRows = rows<Note>('merge_request_notes.json');
const pipelineRows = rows<PipelineDetail>('pipeline_details.json');
const jobRows = rows<Job>('jobs.json');
const deploymentRows = rows<Deployment>('deployments.json');

// ---- Records as collect.ts stores them ----

const meta = (url: string): NormalizeMeta => ({
  scope: '*',
  integration: { id: '1', name: 'x', settings: { url } },
});
const GITLAB_COM = meta('https://gitlab.com');
// The jobs table was recorded on a self-managed instance.
const NDDTF = meta('https://gitlab.nddtf.com');

/** The project a row was collected for: its request URL says. */
const projectIdOf = (url: string): number => Number(/\/projects\/(\d+)\//.exec(url)![1]);
/** `namespace/project` from a web URL such as https://gitlab.com/a/b/-/merge_requests/3. */
const pathOf = (webUrl: string): string => new URL(webUrl).pathname.split('/-/')[0]!.slice(1);

const record = (key: string, data: unknown): RawRecord => ({ key, data, final: true });

const byParent = <T>(children: Row<T>[], gitlabId: number): T[] =>
  children.filter((c) => (c.input as { GitlabId?: number } | null)?.GitlabId === gitlabId).map((c) => c.data);

/** A merge request with its commits and notes, matched by the `input` column (the parent MR's id). */
function mrRecord(r: Row<MergeRequest>): RawRecord {
  const mr = r.data;
  return record(`${projectIdOf(r.url)}!${mr.iid}`, {
    project_id: projectIdOf(r.url),
    project_path: pathOf(mr.web_url),
    merge_request: mr,
    commits: byParent(commitRows, mr.id),
    notes: byParent(noteRows, mr.id),
  });
}

function pipelineDetailRecord(r: Row<PipelineDetail>): RawRecord {
  const p = r.data;
  // No recorded job belongs to these pipelines (the jobs table is another project on another instance).
  return record(`${projectIdOf(r.url)}#${p.id}`, {
    project_id: projectIdOf(r.url),
    project_path: pathOf(p.web_url),
    pipeline: p,
    jobs: [],
  });
}

/** Pipelines of the jobs table: each job embeds its pipeline (list form), the jobs are matched by its id. */
function jobPipelineRecords(): Map<number, RawRecord> {
  const out = new Map<number, RawRecord>();
  for (const r of jobRows) {
    const pid = r.data.pipeline.id;
    const jobs = jobRows.filter((j) => j.data.pipeline.id === pid).map((j) => j.data);
    out.set(
      pid,
      record(`${projectIdOf(r.url)}#${pid}`, {
        project_id: projectIdOf(r.url),
        project_path: pathOf(r.data.pipeline.web_url),
        pipeline: r.data.pipeline,
        jobs,
      }),
    );
  }
  return out;
}
const jobPipelines = jobPipelineRecords();

function deploymentRecord(r: Row<Deployment>): RawRecord {
  const d = r.data;
  return record(`${projectIdOf(r.url)}@${d.id}`, {
    project_id: projectIdOf(r.url),
    project_path: pathOf(d.deployable.web_url),
    ...d,
  });
}

function commitRecord(projectId: number, c: Commit): RawRecord {
  return record(`${projectId}:${c.id}`, {
    project_id: projectId,
    project_path: pathOf(c.web_url),
    default_branch: 'master',
    ...c,
  });
}

/** Every fixture row in its stream's record shape, with the meta of the instance it came from. */
const allRecords: { stream: string; rec: RawRecord; meta: NormalizeMeta; what: string }[] = [
  ...mrRows.map((r) => ({ stream: 'merge_requests', rec: mrRecord(r), meta: GITLAB_COM, what: `MR row ${r.row}` })),
  ...commitRows.map((r) => ({
    stream: 'commits',
    rec: commitRecord(projectIdOf(r.url), r.data),
    meta: GITLAB_COM,
    what: `commit row ${r.row}`,
  })),
  ...pipelineRows.map((r) => ({
    stream: 'pipelines',
    rec: pipelineDetailRecord(r),
    meta: GITLAB_COM,
    what: `pipeline row ${r.row}`,
  })),
  ...[...jobPipelines].map(([id, rec]) => ({ stream: 'pipelines', rec, meta: NDDTF, what: `pipeline ${id} (jobs)` })),
  ...deploymentRows.map((r) => ({
    stream: 'deployments',
    rec: deploymentRecord(r),
    meta: GITLAB_COM,
    what: `deployment row ${r.row}`,
  })),
  ...deploymentRows.map((r) => ({
    stream: 'commits',
    rec: commitRecord(projectIdOf(r.url), r.data.deployable.commit),
    meta: GITLAB_COM,
    what: `deployed commit of deployment row ${r.row}`,
  })),
];

// ---- Helpers ----

const at = (s: string | null | undefined): Date | null => (s === null || s === undefined ? null : new Date(s));
const iso = (d: Date | null | undefined): string | null => (d === null || d === undefined ? null : d.toISOString());
const clone = <T>(v: T): T => structuredClone(v);

function one<K extends keyof Normalized>(out: Normalized, key: K): NonNullable<Normalized[K]>[number] {
  const list = out[key] as unknown[] | undefined;
  expect(list, `normalize gave no ${key}`).toHaveLength(1);
  return list![0] as NonNullable<Normalized[K]>[number];
}
const mrOf = (rec: RawRecord): DomainMergeRequest =>
  one(normalizeGitLab('merge_requests', rec, GITLAB_COM), 'mergeRequests');
const runOf = (stream: 'pipelines' | 'deployments', rec: RawRecord, m: NormalizeMeta = GITLAB_COM): DomainRun =>
  one(normalizeGitLab(stream, rec, m), 'runs');

function mrRow(iid: number): Row<MergeRequest> {
  const r = mrRows.find((m) => m.data.iid === iid);
  if (r === undefined) throw new Error(`no fixture MR !${iid}`);
  return r;
}
const deploymentRow = (row: number): Row<Deployment> => deploymentRows.find((d) => d.row === row)!;
const pipelineRow = (id: number): Row<PipelineDetail> => pipelineRows.find((p) => p.data.id === id)!;

/** What the domain keeps of a recorded commit: every field it has a place for, unchanged. */
function expectedCommit(repoKey: string, c: Commit, onDefaultBranch: boolean): DomainCommit {
  return {
    repoKey,
    sha: c.id,
    title: c.title,
    message: c.message,
    authorName: c.author_name,
    authorEmail: c.author_email,
    authoredAt: new Date(c.authored_date),
    committerName: c.committer_name,
    committerEmail: c.committer_email,
    committedAt: new Date(c.committed_date),
    parentShas: c.parent_ids,
    additions: c.stats?.additions ?? null,
    deletions: c.stats?.deletions ?? null,
    webUrl: c.web_url,
    onDefaultBranch,
  };
}

function expectedKind(n: Note): MergeRequestEvent['kind'] {
  if (!n.system) return 'comment';
  if (n.body === 'approved this merge request') return 'approval';
  if (n.body === 'unapproved this merge request') return 'unapproval';
  return 'system';
}

// ---- Tests ----

describe('GitLab normalize: recorded merge requests', () => {
  it('the fixtures hold what the tests below rely on', () => {
    expect(mrRows.map((r) => `!${r.data.iid} ${r.data.state}`)).toEqual([
      '!3 merged',
      '!14 merged',
      '!20 closed',
      '!7 merged',
      '!37 opened',
    ]);
    expect(byParent(commitRows, mrRow(3).data.id)).toHaveLength(1);
    expect(byParent(commitRows, mrRow(7).data.id)).toHaveLength(2);
    expect(byParent(noteRows, mrRow(3).data.id)).toHaveLength(6);
    expect(byParent(noteRows, mrRow(37).data.id)).toHaveLength(3);
  });

  it.each(mrRows.map((r) => [r.data.iid, r] as const))(
    '!%s: every field the domain has a place for is carried over exactly',
    (_iid, r) => {
      const mr = r.data;
      const repoKey = String(projectIdOf(r.url));
      const commits = byParent(commitRows, mr.id);
      const notes = byParent(noteRows, mr.id);
      expect(mrOf(mrRecord(r))).toEqual({
        repoKey,
        mrKey: String(mr.iid),
        upstreamId: String(mr.id),
        title: mr.title,
        state: mr.state,
        draft: mr.draft || mr.work_in_progress,
        author: mr.author.username,
        sourceBranch: mr.source_branch,
        targetBranch: mr.target_branch,
        headSha: mr.sha,
        mergeCommitSha: mr.merge_commit_sha,
        squashCommitSha: mr.squash_commit_sha,
        createdAt: new Date(mr.created_at),
        updatedAt: new Date(mr.updated_at),
        mergedAt: at(mr.merged_at),
        closedAt: at(mr.closed_at),
        mergedBy: mr.merge_user?.username ?? null,
        labels: mr.labels,
        webUrl: mr.web_url,
        // GitLab lists them newest first; the domain keeps them oldest first.
        commits: [...commits].reverse().map((c) => expectedCommit(repoKey, c, false)),
        events: notes.map((n) => ({
          eventKey: String(n.id),
          kind: expectedKind(n),
          actor: n.author.username,
          createdAt: new Date(n.created_at),
          body: n.body,
        })),
      });
    },
  );

  it('a merged MR: merge time to the millisecond, merger, merge SHA, its commit', () => {
    const mr = mrOf(mrRecord(mrRow(3)));
    expect(mr).toMatchObject({
      mrKey: '3',
      upstreamId: '35064956',
      state: 'merged',
      draft: false,
      author: 'martinguindon',
      mergedBy: 'emilie',
      sourceBranch: '5-update-readme-to-include-steps-to-resolve-a-potential-dbt-utils-conflict',
      targetBranch: 'master',
      headSha: '083864201849f6707a34d24e61c43638696f95a6',
      mergeCommitSha: 'd678bea9d47b42eb13512d1c9d6a592d80b432d4',
      squashCommitSha: null,
      closedAt: null,
      webUrl: 'https://gitlab.com/gitlab-data/snowflake_spend/-/merge_requests/3',
    });
    expect(iso(mr.createdAt)).toBe('2019-08-15T19:34:32.706Z');
    expect(iso(mr.updatedAt)).toBe('2019-08-26T14:15:27.845Z');
    expect(iso(mr.mergedAt)).toBe('2019-08-26T14:15:27.922Z');
    expect(mr.commits.map((c) => [c.sha, c.authorName, iso(c.authoredAt), c.onDefaultBranch])).toEqual([
      ['083864201849f6707a34d24e61c43638696f95a6', 'Martin Guindon', '2019-08-15T19:32:19.000Z', false],
    ]);
  });

  it('a squashed MR keeps both the merge and the squash commit SHAs', () => {
    const mr = mrOf(mrRecord(mrRow(14)));
    expect(mr.mergeCommitSha).toBe('21840a7eadb58babe8aeae2960da851a3ed00ddc');
    expect(mr.squashCommitSha).toBe('7f928f936c58b2e001f86d07b1f7b9411413e439');
    expect(mr.mergedBy).toBe('tayloramurphy');
    expect(iso(mr.mergedAt)).toBe('2021-02-19T20:13:05.969Z');
  });

  it('a closed draft MR: closed time, no merge, draft kept', () => {
    const mr = mrOf(mrRecord(mrRow(20)));
    expect(mr).toMatchObject({ state: 'closed', draft: true, mergedAt: null, mergedBy: null, mergeCommitSha: null });
    expect(iso(mr.closedAt)).toBe('2022-03-15T03:07:22.665Z');
  });

  it('commits come oldest first, labels are kept', () => {
    const mr = mrOf(mrRecord(mrRow(7)));
    expect(mr.labels).toEqual(['Data Team', 'Refactor', 'Snowflake']);
    expect(mr.commits.map((c) => [c.sha.slice(0, 8), iso(c.authoredAt), iso(c.committedAt)])).toEqual([
      ['48295660', '2020-04-05T14:39:43.000Z', '2020-04-05T14:39:43.000Z'],
      ['a09f2d4a', '2020-04-05T14:43:47.000Z', '2020-04-05T14:43:47.000Z'],
    ]);
    expect(reviewSummary(mr).firstCommitAt?.toISOString()).toBe('2020-04-05T14:39:43.000Z');
  });

  it('notes: comments by others are reviews, system notes are not; first review time', () => {
    const mr = mrOf(mrRecord(mrRow(3)));
    expect(mr.events.map((e) => [e.eventKey, e.kind, e.actor, iso(e.createdAt)])).toEqual([
      ['208061122', 'comment', 'emilie', '2019-08-26T12:14:39.003Z'],
      ['208092969', 'comment', 'martinguindon', '2019-08-26T13:17:51.707Z'],
      ['208121492', 'system', 'emilie', '2019-08-26T14:14:59.344Z'],
      ['208121682', 'system', 'emilie', '2019-08-26T14:15:27.936Z'],
      ['208121722', 'system', 'emilie', '2019-08-26T14:15:33.136Z'],
      ['208121781', 'comment', 'emilie', '2019-08-26T14:15:40.464Z'],
    ]);
    expect(mr.events[0]!.body).toBe('@mg12 This looks good to me. Want me to merge?');
    const summary = reviewSummary(mr);
    expect(iso(summary.firstReviewAt)).toBe('2019-08-26T12:14:39.003Z');
    expect(summary).toMatchObject({ approvals: 0, firstApprovalAt: null, reviewComments: 2, reviewers: ['emilie'] });
    expect(iso(summary.firstCommitAt)).toBe('2019-08-15T19:32:19.000Z');
  });

  it('approvals come from the system notes "approved this merge request" (and unapprovals)', () => {
    const mr = mrOf(mrRecord(mrRow(37)));
    expect(mr).toMatchObject({ state: 'opened', draft: true, author: 'paul_armstrong', mergedAt: null });
    expect(mr.events.map((e) => [e.kind, e.actor, iso(e.createdAt)])).toEqual([
      ['approval', 'basicthinker', '2019-01-29T00:40:37.158Z'],
      ['unapproval', 'basicthinker', '2019-01-29T00:40:45.520Z'],
      ['approval', 'basicthinker', '2019-01-29T00:40:47.455Z'],
    ]);
    const summary = reviewSummary(mr);
    expect(summary).toMatchObject({ approvals: 1, reviewComments: 0, reviewers: ['basicthinker'] });
    expect(iso(summary.firstApprovalAt)).toBe('2019-01-29T00:40:37.158Z');
    expect(iso(summary.firstReviewAt)).toBe('2019-01-29T00:40:37.158Z');
  });

  it('times with an offset keep their instant to the millisecond (recorded row, offsets applied here)', () => {
    const r = clone(mrRow(3));
    r.data.created_at = '2019-08-15T21:34:32.706+02:00';
    r.data.merged_at = '2019-08-26T16:15:27.922+02:00';
    const data = mrRecord(r).data as { commits: Commit[]; notes: Note[] };
    data.commits = data.commits.map((c) => ({ ...c, authored_date: '2019-08-15T21:32:19.123+02:00' }));
    data.notes = data.notes.map((n, i) => (i === 0 ? { ...n, created_at: '2019-08-26T14:14:39.003+02:00' } : n));
    const mr = mrOf(record('x', data));
    expect(iso(mr.createdAt)).toBe('2019-08-15T19:34:32.706Z');
    expect(iso(mr.mergedAt)).toBe('2019-08-26T14:15:27.922Z');
    expect(iso(mr.commits[0]!.authoredAt)).toBe('2019-08-15T19:32:19.123Z');
    expect(iso(mr.events[0]!.createdAt)).toBe('2019-08-26T12:14:39.003Z');
  });
});

describe('GitLab normalize: recorded commits', () => {
  it.each(commitRows.map((r) => [r.row, r] as const))(
    'MR commit row %s as a default-branch commit: every field carried over',
    (_row, r) => {
      const repoKey = String(projectIdOf(r.url));
      expect('stats' in r.data).toBe(false); // the MR commits endpoint has no stats: additions stay unknown
      const out = normalizeGitLab('commits', commitRecord(projectIdOf(r.url), r.data), GITLAB_COM);
      expect(out).toEqual({ commits: [expectedCommit(repoKey, r.data, true)] });
    },
  );

  it('a +08:00 commit time (deployed commit of a recorded deployment) is the same instant in UTC', () => {
    const c = deploymentRow(8).data.deployable.commit;
    expect(c.committed_date).toBe('2019-03-13T23:24:52.000+08:00');
    const commit = one(normalizeGitLab('commits', commitRecord(12345678, c), GITLAB_COM), 'commits');
    expect(commit).toEqual(expectedCommit('12345678', c, true));
    expect(iso(commit.authoredAt)).toBe('2019-03-13T15:24:52.000Z');
    expect(iso(commit.committedAt)).toBe('2019-03-13T15:24:52.000Z');
    expect(commit.parentShas).toEqual(['fc449afa34b6732752d2c8ca117833e8cc1226dc']);
  });
});

describe('GitLab normalize: recorded pipelines', () => {
  it.each(pipelineRows.map((r) => [r.data.id, r] as const))(
    'pipeline %s (detail): every field carried over, duration seconds → ms',
    (_id, r) => {
      const p = r.data;
      const path = pathOf(p.web_url);
      expect(runOf('pipelines', pipelineDetailRecord(r))).toEqual({
        instanceGuid: null,
        runKey: `pipeline:${p.id}`,
        executionId: String(p.id),
        pipeline: path,
        jobFullName: path,
        qualifiedName: path,
        instanceName: 'gitlab.com',
        instanceUrl: 'https://gitlab.com',
        projectName: path,
        userId: p.user.username,
        repoUrl: 'https://gitlab.com/merico-dev/ee/vdev.co',
        buildNumber: String(p.iid),
        branchName: p.ref,
        moduleName: null,
        result: ({ success: 'success', failed: 'failure' } as Record<string, string>)[p.status],
        resultRaw: p.status,
        startTime: new Date(p.started_at!),
        endTime: new Date(p.finished_at!),
        durationMs: p.duration! * 1000,
        queuedMs: p.queued_duration == null ? null : Math.round(p.queued_duration * 1000),
        ci: true,
        cd: false,
        cfrStatus: null,
        themes: [],
        webUrl: p.web_url,
        triggerType: p.source,
        triggerChain: [],
        stages: [],
        commits: [{ sha: p.sha, message: null, author: null, authorEmail: null, committedAt: null }],
        artifacts: [],
        params: [],
        repoKey: '12345678',
      });
    },
  );

  it('literal values: a push pipeline on master and a failed merge-request pipeline', () => {
    const push = runOf('pipelines', pipelineDetailRecord(pipelineRow(1079555385)));
    expect(push).toMatchObject({
      buildNumber: '36248',
      branchName: 'master',
      triggerType: 'push',
      userId: 'lianghui.zhang',
      result: 'success',
      durationMs: 1_384_000,
    });
    expect([iso(push.startTime), iso(push.endTime)]).toEqual(['2023-11-21T03:28:32.970Z', '2023-11-21T03:51:44.872Z']);
    expect(push.commits.map((c) => c.sha)).toEqual(['b5b8ec19fbddefe1374e87b05775f238ac06003e']);

    const failed = runOf('pipelines', pipelineDetailRecord(pipelineRow(1079502706)));
    expect(failed).toMatchObject({
      result: 'failure',
      resultRaw: 'failed',
      branchName: 'refs/merge-requests/5500/head',
      triggerType: 'merge_request_event',
      userId: 'chaojieyan',
      durationMs: 190_000,
    });
  });

  it('jobs: stages in pipeline order, each job a step; a failed stage fails, the other passes', () => {
    const run = runOf('pipelines', jobPipelines.get(28)!, NDDTF);
    const compile = jobRows.find((j) => j.data.id === 105)!.data;
    const format = jobRows.find((j) => j.data.id === 104)!.data;
    // Jobs are created stage by stage: job ids give the order (format ran, then compile).
    expect(run.stages).toEqual<StageRow[]>([
      {
        name: 'test',
        description: null,
        result: 'success',
        state: null,
        durationMs: Date.parse(format.finished_at!) - Date.parse(format.started_at!),
        steps: [{ name: 'format', description: null, result: 'success', state: 'success', durationMs: 2772 }],
        identifier: 'test',
        stageType: null,
        startTime: new Date('2022-07-25T15:32:04.954Z'),
        endTime: new Date('2022-07-25T15:32:07.726Z'),
      },
      {
        name: 'build',
        description: null,
        result: 'failure',
        state: null,
        durationMs: 3124,
        steps: [{ name: 'compile', description: null, result: 'failure', state: 'failed', durationMs: 3124 }],
        identifier: 'build',
        stageType: null,
        startTime: new Date(compile.started_at!),
        endTime: new Date(compile.finished_at!),
      },
    ]);
    expect(run).toMatchObject({
      runKey: 'pipeline:28',
      result: 'failure',
      resultRaw: 'failed',
      branchName: 'test-ci-build-1.1',
      instanceName: 'gitlab.nddtf.com',
      repoUrl: 'https://gitlab.nddtf.com/merico/pip_test',
      projectName: 'merico/pip_test',
      buildNumber: null, // the list form embedded in a job has no iid
    });
    // The list form has no started/finished/duration: created → updated.
    expect([iso(run.startTime), iso(run.endTime), run.durationMs]).toEqual([
      '2022-07-25T15:32:03.210Z',
      '2022-07-25T15:32:11.152Z',
      Date.parse('2022-07-25T15:32:11.152Z') - Date.parse('2022-07-25T15:32:03.210Z'),
    ]);
    // The built commit, with what the jobs know of it.
    expect(run.commits).toEqual<CommitRow[]>([
      {
        sha: 'd53da564dfacf2c4f0ad5aea0f621f52619bb176',
        message: 'Add new file',
        author: ' chinese merico  chinese ',
        authorEmail: 'merico@nddtf.com',
        committedAt: new Date('2022-07-25T15:30:53.000Z'),
      },
    ]);
  });

  it('a job allowed to fail does not fail its stage (recorded row, allow_failure set here)', () => {
    const data = clone(jobPipelines.get(28)!.data) as { jobs: Job[] };
    data.jobs = data.jobs.map((j) => (j.name === 'compile' ? { ...j, allow_failure: true } : j));
    const build = runOf('pipelines', record('x', data), NDDTF).stages.find((s) => s.name === 'build')!;
    expect(build.result).toBe('success');
    expect(build.steps).toEqual([
      { name: 'compile', description: 'allowed to fail', result: 'failure', state: 'failed', durationMs: 3124 },
    ]);
  });

  it('both attempts of a retried job are steps, oldest first', () => {
    // Pipeline 41 passed: job 119 failed (stuck, never started), job 120 — the same job run again — passed.
    const run = runOf('pipelines', jobPipelines.get(41)!, NDDTF);
    expect(run.result).toBe('success');
    expect(run.stages.map((s) => s.name)).toEqual(['test']);
    expect(run.stages[0]!.steps.map((s) => [s.name, s.state, s.durationMs])).toEqual([
      ['format', 'failed', null],
      ['format', 'success', 56800],
    ]);
  });

  it('a job flagged `retried` does not count for its stage', () => {
    const data = clone(jobPipelines.get(41)!.data) as { jobs: Job[] };
    data.jobs = data.jobs.map((j) => (j.id === 119 ? { ...j, retried: true } : j));
    const stage = runOf('pipelines', record('x', data), NDDTF).stages[0]!;
    expect(stage.result).toBe('success');
    expect(stage.steps.map((s) => s.description)).toEqual(['retried', null]);
    expect([iso(stage.startTime), iso(stage.endTime)]).toEqual([
      '2022-07-29T02:10:58.370Z',
      '2022-07-29T02:11:55.170Z',
    ]);
  });

  // GitLab's REST job entity has no `retried` field: with include_retried the superseded attempt comes as a
  // plain job with the same name and a lower id. Known loss: normalize counts it, so the stage of this
  // passed pipeline fails. Drop `.fails` once normalize treats the latest job of a name as the only one.
  it('a retried job (same name, later id, no `retried` field) does not fail its stage', () => {
    const stage = runOf('pipelines', jobPipelines.get(41)!, NDDTF).stages[0]!;
    expect(stage.result).toBe('success');
    expect(stage.steps.map((s) => s.description)).toEqual(['retried', null]);
    expect([iso(stage.startTime), iso(stage.endTime)]).toEqual([
      '2022-07-29T02:10:58.370Z',
      '2022-07-29T02:11:55.170Z',
    ]);
  });

  // Known loss: the stage result knows created/pending/preparing/running only; a stage whose job still waits
  // (or is being canceled) is reported as passed. The job itself maps right (resultOf). Drop `.fails` once fixed.
  it.each([
    ['waiting_for_resource', 'running'],
    ['scheduled', 'running'],
    ['waiting_for_callback', 'running'],
    ['canceling', 'canceled'],
  ])('a stage whose only job is %s is not reported as passed (status set here)', (status, expected) => {
    const data = clone(jobPipelines.get(41)!.data) as { pipeline: PipelineBasic; jobs: Job[] };
    data.pipeline.status = 'running';
    data.jobs = data.jobs.filter((j) => j.id === 120).map((j) => ({ ...j, status }));
    expect(runOf('pipelines', record('x', data), NDDTF).stages[0]!.result).toBe(expected);
  });

  it('pipeline times with an offset keep their instant (recorded row, offsets applied here)', () => {
    const r = clone(pipelineRow(1079555385));
    r.data.started_at = '2023-11-21T05:28:32.970+02:00';
    r.data.finished_at = '2023-11-21T05:51:44.872+02:00';
    const run = runOf('pipelines', pipelineDetailRecord(r));
    expect([iso(run.startTime), iso(run.endTime)]).toEqual(['2023-11-21T03:28:32.970Z', '2023-11-21T03:51:44.872Z']);
  });
});

describe('GitLab normalize: recorded deployments', () => {
  const RESULTS: Record<string, DomainRun['result']> = {
    success: 'success',
    canceled: 'canceled',
    // Not one of GitLab's deployment statuses (DevLake's test table has it): unknown, so still going.
    undeployed: 'running',
  };
  const TIERS: Record<string, string> = { staging: 'staging', production: 'production' };

  it.each(deploymentRows.map((r) => [r.row, r] as const))(
    'deployment row %s: every field carried over, tier guessed from the environment name',
    (_row, r) => {
      const d = r.data;
      const job = d.deployable;
      const path = pathOf(job.web_url);
      // Recorded in 2019, before environments had a tier.
      expect('tier' in d.environment).toBe(false);
      const final = d.status === 'success' || d.status === 'canceled';
      const start = at(job.started_at) ?? new Date(d.created_at);
      const end = final ? (at(job.finished_at) ?? at(d.updated_at)) : null;
      expect(runOf('deployments', deploymentRecord(r))).toEqual({
        instanceGuid: null,
        runKey: `deployment:${d.id}`,
        executionId: String(d.id),
        pipeline: `${path} → ${d.environment.name}`,
        jobFullName: `${path}/${job.name}`,
        qualifiedName: path,
        instanceName: 'gitlab.com',
        instanceUrl: 'https://gitlab.com',
        projectName: path,
        userId: d.user.username,
        repoUrl: 'https://gitlab.com/merico-dev/ee/vdev.co',
        buildNumber: String(d.iid),
        branchName: d.ref,
        moduleName: null,
        result: RESULTS[d.status],
        resultRaw: d.status,
        startTime: start,
        endTime: end,
        durationMs: final
          ? job.duration === null
            ? end!.getTime() - start.getTime()
            : Math.round(job.duration * 1000)
          : null,
        ci: false,
        cd: true,
        cfrStatus: null,
        themes: [],
        webUrl: job.web_url,
        triggerType: null,
        triggerChain: [],
        stages: [],
        commits: [
          {
            sha: d.sha,
            message: job.commit.title,
            author: job.commit.author_name,
            authorEmail: job.commit.author_email,
            committedAt: new Date(job.commit.committed_date),
          },
        ],
        artifacts: [],
        params: [],
        deployTargets: [
          {
            service: path,
            environment: d.environment.name,
            environmentType: TIERS[d.environment.name],
            infrastructure: null,
          },
        ],
        repoKey: '12345678',
      });
    },
  );

  it('literal values: a staging success with its job times, a production cancel, an unfinished one', () => {
    const ok = runOf('deployments', deploymentRecord(deploymentRow(1)));
    expect(ok).toMatchObject({
      runKey: 'deployment:13426753',
      buildNumber: '1',
      branchName: 'master',
      userId: 'hackwaly',
      result: 'success',
      durationMs: 14081, // 14.080506 s
      jobFullName: 'merico-dev/ee/vdev.co/test_deploy_vdev',
      webUrl: 'https://gitlab.com/merico-dev/ee/vdev.co/-/jobs/176919795',
    });
    expect([iso(ok.startTime), iso(ok.endTime)]).toEqual(['2019-03-13T14:17:33.559Z', '2019-03-13T14:17:47.640Z']);
    expect(ok.deployTargets).toEqual([
      { service: 'merico-dev/ee/vdev.co', environment: 'staging', environmentType: 'staging', infrastructure: null },
    ]);
    expect(ok.commits.map((c) => [c.sha, iso(c.committedAt ?? null)])).toEqual([
      ['add237f6852e6108ee8e0246780a54ce909c6087', '2019-03-13T14:14:23.000Z'],
    ]);

    const canceled = runOf('deployments', deploymentRecord(deploymentRow(4)));
    expect(canceled).toMatchObject({ result: 'canceled', branchName: 'deploy', durationMs: 20489 });
    expect(canceled.deployTargets?.[0]).toMatchObject({ environment: 'production', environmentType: 'production' });
    expect(iso(canceled.endTime)).toBe('2019-03-13T15:21:27.825Z');

    // No updated_at, a job that never started, and a +08:00 commit time.
    const open = runOf('deployments', deploymentRecord(deploymentRow(8)));
    expect(open).toMatchObject({ result: 'running', resultRaw: 'undeployed', endTime: null, durationMs: null });
    expect(iso(open.startTime)).toBe('2019-03-13T15:25:15.583Z');
    expect(open.commits).toEqual<CommitRow[]>([
      {
        sha: 'd8e7440fc02b62064624c788f4e4da19ca7be198',
        message: 'Update CI scripts',
        author: 'yuxiang',
        authorEmail: 'yuxiang@meri.co',
        committedAt: new Date('2019-03-13T15:24:52.000Z'),
      },
    ]);
  });

  it("an environment's own tier wins over the guess from its name", () => {
    const r = clone(deploymentRow(1));
    r.data.environment = { ...r.data.environment, name: 'customer-portal', tier: 'production' };
    expect(runOf('deployments', deploymentRecord(r)).deployTargets?.[0]).toMatchObject({
      environment: 'customer-portal',
      environmentType: 'production',
    });
    delete r.data.environment.tier;
    expect(runOf('deployments', deploymentRecord(r)).deployTargets?.[0]?.environmentType).toBe('other');
  });
});

describe('GitLab normalize: every recorded row', () => {
  it('every status in the fixtures has its result', () => {
    const expected: Record<string, string> = {
      success: 'success',
      failed: 'failure',
      canceled: 'canceled',
      undeployed: 'running', // unknown to GitLab's API: counted as still going
    };
    const seen: [string, string][] = [];
    for (const { stream, rec, meta: m } of allRecords) {
      if (stream !== 'pipelines' && stream !== 'deployments') continue;
      const run = runOf(stream, rec, m);
      seen.push([run.resultRaw, run.result]);
      for (const stage of run.stages) for (const step of stage.steps) seen.push([step.state!, step.result!]);
    }
    expect(new Set(seen.map(([raw]) => raw))).toEqual(new Set(Object.keys(expected)));
    for (const [raw, result] of seen) expect([raw, result]).toEqual([raw, expected[raw]]);
  });

  it.each(allRecords.map((r) => [r.what, r] as const))(
    '%s: deterministic, leaves its input alone, gives one row',
    (_what, { stream, rec, meta: m }) => {
      const before = JSON.stringify(rec);
      const first = normalizeGitLab(stream, rec, m);
      const again = normalizeGitLab(stream, clone(rec), m);
      expect(again).toEqual(first);
      expect(JSON.stringify(rec)).toBe(before);
      expect(Object.values(first).flat()).toHaveLength(1);
    },
  );

  it('never throws on any recorded row, in any stream, wrapped or not', () => {
    const raw = [mrRows, commitRows, noteRows, pipelineRows, jobRows, deploymentRows].flat().map((r) => r.data);
    const wrapped = allRecords.map((r) => r.rec.data);
    for (const stream of ['projects', 'commits', 'merge_requests', 'pipelines', 'deployments', 'unknown'])
      for (const data of [...raw, ...wrapped, null, {}, []])
        expect(() => normalizeGitLab(stream, record('k', data), GITLAB_COM)).not.toThrow();
  });
});

describe('guessTier (GitLab Environment#guess_tier)', () => {
  it.each([
    ['production', 'production'],
    ['prod', 'production'],
    ['live', 'production'],
    ['Production', 'production'],
    ['staging', 'staging'],
    ['stg', 'staging'],
    ['pre-prod', 'staging'],
    ['demo', 'staging'],
    ['model', 'staging'],
    ['nonprod', 'staging'],
    ['test', 'testing'],
    ['qa', 'testing'],
    ['acceptance', 'testing'],
    ['QC', 'testing'],
    ['MON-B-MTEST', 'testing'],
    ['dev', 'development'],
    ['review/feature-1', 'development'],
    ['trunk', 'development'],
    ['customer-portal', 'other'],
    ['', 'other'],
  ])('%s → %s', (name, tier) => {
    expect(guessTier(name)).toBe(tier);
  });
});
