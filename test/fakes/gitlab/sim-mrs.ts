// Merge-request events of the simulation: opening one from its plan (scheduling its notes, pushes,
// pipelines and end), notes and their effects (approval, ready), pushes, and merging or closing it.
// A merge lands a merge commit on the default branch and starts a default-branch pipeline.

import type { MergeRequest, Project, User } from './model.js';
import { makeCommit, planMergeRequest, systemNote, type MrPlan, type NotePlan, type PushPlan } from './mr-plan.js';
import type { Sim } from './sim.js';
import { scheduleMainPipeline, ZERO_SHA } from './sim-pipelines.js';

export function openMergeRequest(sim: Sim, project: Project, author: User, at: number): void {
  const s = sim.state(project);
  const plan = planMergeRequest({
    rng: s.rng,
    project,
    openAt: at,
    author,
    reviewers: s.maintainers,
    baseSha: s.head.sha,
    serial: ++s.serial,
  });
  const mr: MergeRequest = {
    id: sim.ids.mergeRequest(),
    iid: ++s.mrIid,
    project,
    title: plan.title,
    description: plan.description,
    author,
    reviewers: plan.reviewers,
    sourceBranch: plan.sourceBranch,
    labels: plan.labels,
    createdAt: at,
    updatedAt: at,
    state: 'opened',
    draft: plan.draft,
    commits: [...(plan.pushes[0]?.commits ?? [])],
    baseSha: s.head.sha,
    notes: [],
    approvedBy: [],
    mergedAt: null,
    mergedBy: null,
    mergeCommit: null,
    closedAt: null,
    closedBy: null,
    pipelines: [],
    deleted: false,
  };
  project.mergeRequests.push(mr);
  project.lastActivityAt = at;
  for (const note of plan.notes) sim.schedule({ type: 'mr-note', at: note.at, mr, note });
  for (const p of plan.pushes.slice(1)) sim.schedule({ type: 'mr-push', at: p.at, mr, push: p });
  plan.pipelines.forEach((spec, i) => {
    const commit = plan.pushes[i]?.commits.at(-1);
    if (!commit) return;
    const ref = `refs/merge-requests/${mr.iid}/head`;
    sim.schedule({
      type: 'pipeline',
      at: spec.createdAt,
      project,
      spec,
      commit,
      beforeSha: ZERO_SHA,
      ref,
      source: 'merge_request_event',
      user: author,
      mr,
      parent: null,
    });
  });
  if (plan.outcome) sim.schedule({ type: 'mr-end', at: plan.outcome.at, mr, outcome: plan.outcome });
}

export function addNote(sim: Sim, mr: MergeRequest, note: NotePlan): void {
  const { at, effect, ...fields } = note;
  mr.notes.push({ id: sim.ids.note(), createdAt: at, ...fields });
  mr.updatedAt = Math.max(mr.updatedAt, at);
  mr.project.lastActivityAt = Math.max(mr.project.lastActivityAt, at);
  if (effect === 'approve' && !mr.approvedBy.includes(note.author)) mr.approvedBy.push(note.author);
  if (effect === 'ready') mr.draft = false;
}

export function pushToMergeRequest(sim: Sim, mr: MergeRequest, p: PushPlan): void {
  const previous = mr.commits.at(-1)?.sha ?? mr.baseSha;
  mr.commits.push(...p.commits);
  const items = p.commits.map((c) => `<li>${c.sha.slice(0, 8)} - ${c.title}</li>`).join('');
  const n = p.commits.length;
  const diffId = sim.state(mr.project).rng.int(800_000_000, 999_999_999);
  const link = `[Compare with previous version](/${mr.project.pathWithNamespace}/-/merge_requests/${mr.iid}/diffs?diff_id=${diffId}&start_sha=${previous})`;
  addNote(
    sim,
    mr,
    systemNote(p.at, mr.author, `added ${n} commit${n === 1 ? '' : 's'}\n\n<ul>${items}</ul>\n\n${link}`),
  );
}

export function endMergeRequest(sim: Sim, mr: MergeRequest, outcome: NonNullable<MrPlan['outcome']>, at: number): void {
  const { project } = mr;
  if (mr.state !== 'opened') return;
  if (outcome.kind === 'close') {
    mr.state = 'closed';
    mr.closedAt = at;
    mr.closedBy = outcome.by;
    addNote(sim, mr, systemNote(at, outcome.by, 'closed'));
    return;
  }
  const s = sim.state(project);
  const head = mr.commits.at(-1);
  const title = `Merge branch '${mr.sourceBranch}' into '${project.defaultBranch}'`;
  const merge = makeCommit(s.rng, outcome.by, at, title, [s.head.sha, head?.sha ?? s.head.sha]);
  merge.message = `${title}\n\n${mr.title}\n\nSee merge request ${project.pathWithNamespace}!${mr.iid}`;
  for (const commit of mr.commits) project.commits.push({ commit, mainline: false, visibleAt: at });
  project.commits.push({ commit: merge, mainline: true, visibleAt: at });
  const before = s.head.sha;
  s.head = merge;
  mr.state = 'merged';
  mr.mergedAt = at;
  mr.mergedBy = outcome.by;
  mr.mergeCommit = merge;
  addNote(sim, mr, systemNote(at, outcome.by, 'merged'));
  scheduleMainPipeline(sim, project, s, at, merge, before, outcome.by, false);
}
