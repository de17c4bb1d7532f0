// The simulation's events and their dispatch, and a project's working day: MRs opened in each author's
// office hours, the odd direct push to the default branch, the nightly scheduled pipeline. Merge
// requests are in sim-mrs.ts, pipelines and deployments in sim-pipelines.ts.

import { DIRECT_MESSAGES, HOTFIX_MESSAGES } from './texts.js';
import type { MergeRequest, Project, User } from './model.js';
import { makeCommit, type MrPlan, type NotePlan, type PushPlan } from './mr-plan.js';
import { closeIssue, openIssue, plainIssue, type IssueEvent } from './sim-incidents.js';
import { addNote, endMergeRequest, openMergeRequest, pushToMergeRequest } from './sim-mrs.js';
import { createPipeline, headPipeline, scheduleMainPipeline, type PipelineEvent } from './sim-pipelines.js';
import type { Rng } from './prng.js';
import type { Sim } from './sim.js';
import { DAY, HOUR, MINUTE, SECOND } from './time.js';

export type SimEvent =
  | { type: 'day'; at: number; project: Project }
  | { type: 'mr-open'; at: number; project: Project; author: User }
  | { type: 'mr-note'; at: number; mr: MergeRequest; note: NotePlan }
  | { type: 'mr-push'; at: number; mr: MergeRequest; push: PushPlan }
  | { type: 'mr-end'; at: number; mr: MergeRequest; outcome: NonNullable<MrPlan['outcome']> }
  | { type: 'push'; at: number; project: Project; author: User; hotfix: boolean }
  | { type: 'schedule'; at: number; project: Project }
  | IssueEvent
  | PipelineEvent;

export function handleEvent(sim: Sim, e: SimEvent): void {
  const project = 'project' in e ? e.project : 'issue' in e ? e.issue.project : e.mr.project;
  if (project.deleted || (project.activeUntil !== null && e.at >= project.activeUntil)) return;
  if ('mr' in e && e.mr?.deleted) return;
  if ('issue' in e && e.issue.deleted) return;
  switch (e.type) {
    case 'day':
      return day(sim, e.project, e.at);
    case 'mr-open':
      return openMergeRequest(sim, e.project, e.author, e.at);
    case 'mr-note':
      return addNote(sim, e.mr, e.note);
    case 'mr-push':
      return pushToMergeRequest(sim, e.mr, e.push);
    case 'mr-end':
      return endMergeRequest(sim, e.mr, e.outcome, e.at);
    case 'push':
      return directPush(sim, e.project, e.author, e.at, e.hotfix);
    case 'schedule': {
      const s = sim.state(e.project);
      const owner = s.maintainers[0] ?? s.head.author;
      createPipeline(sim, headPipeline(sim, e.project, e.at, 'schedule', owner));
      return;
    }
    case 'pipeline':
      createPipeline(sim, e);
      return;
    case 'issue-open':
      openIssue(sim, e.project, e.spec, e.at);
      return;
    case 'issue-close':
      return closeIssue(e.issue, e.by, e.at);
  }
}

function draw(rng: Rng, expected: number): number {
  return Math.floor(expected) + (rng.chance(expected - Math.floor(expected)) ? 1 : 0);
}

/** A moment in the person's office hours (09:00–17:50 local) on the UTC day starting at `dayStart`. */
function officeTime(rng: Rng, dayStart: number, tz: number): number {
  const local = rng.int(9 * 60, 17 * 60 + 50) * MINUTE + rng.int(0, MINUTE - 1) - tz * MINUTE;
  return dayStart + (((local % DAY) + DAY) % DAY);
}

function day(sim: Sim, project: Project, at: number): void {
  const s = sim.state(project);
  const rng = s.rng;
  const dow = new Date(at).getUTCDay();
  const weekday = dow >= 1 && dow <= 5;
  const rate = sim.options.pipelinesPerDay * project.busyness;
  const expected = weekday ? Math.max(0, rate - 1) / 3.1 : rate * 0.03;
  const count = draw(rng, expected * (0.6 + 0.8 * rng.next()));
  for (let i = 0; i < count; i++) {
    const author = rng.pick(s.contributors);
    sim.schedule({ type: 'mr-open', at: officeTime(rng, at, author.tz), project, author });
  }
  if (weekday && rng.chance(0.08)) {
    const author = rng.pick(s.maintainers);
    sim.schedule({ type: 'push', at: officeTime(rng, at, author.tz), project, author, hotfix: false });
  }
  if (weekday) sim.schedule({ type: 'schedule', at: at + 2 * HOUR + rng.int(0, 20 * SECOND), project });
  // Issues draw from their own stream, never from `rng`: the rest of the history does not depend on them.
  if (weekday && s.issueRng.chance(0.3)) {
    const author = s.issueRng.pick(s.contributors);
    sim.schedule(plainIssue(sim, project, officeTime(s.issueRng, at, author.tz), author));
  }
  sim.schedule({ type: 'day', at: at + DAY, project });
}

function directPush(sim: Sim, project: Project, author: User, at: number, hotfix: boolean): void {
  const s = sim.state(project);
  const commit = makeCommit(s.rng, author, at, s.rng.pick(hotfix ? HOTFIX_MESSAGES : DIRECT_MESSAGES), [s.head.sha]);
  project.commits.push({ commit, mainline: true, visibleAt: at });
  project.lastActivityAt = at;
  const before = s.head.sha;
  s.head = commit;
  scheduleMainPipeline(sim, project, s, at, commit, before, author, hotfix);
}
