// Generates one project's executions over the window: busy weekdays, quiet weekends, a nightly run,
// commits that CI builds pick up, deploys that ship the latest green build, and a restoring deploy
// after each failed production deploy (so time-to-restore has data).

import { deriveSeed } from '../common/prng.js';
import { COMMIT_MESSAGES, PR_TITLES } from './catalog.js';
import {
  DAY,
  HOUR,
  MINUTE,
  type CdPlan,
  type CiPlan,
  type Commit,
  type ExecutionPlan,
  type Pipeline,
  type Project,
} from './model.js';
import { failedStage, planExecution, type PlanInput } from './plan.js';
import { createRng, type Rng } from './prng.js';

export interface TimelineOptions {
  seed: number;
  now: number;
  days: number;
  executionsPerDay: number;
  /** Executions planned after `now` stay hidden until the clock reaches their start. */
  futureMs: number;
}

export interface Scheduled {
  pipeline: Pipeline;
  startTs: number;
  restore?: boolean;
}

/** State carried along the timeline: the repo's main branch and the builds a deploy can ship. */
export interface RepoState {
  rng: Rng;
  project: Project;
  headSha: string;
  lastCommitTs: number;
  nextPr: number;
  greenBuilds: ExecutionPlan[];
}

const FLAVOR_WEIGHT = { build: 5, pr: 4, deploy: 2.5, hotfix: 0.3, nightly: 0 } as const;

export function generateProjectTimeline(
  project: Project,
  pipelines: Pipeline[],
  options: TimelineOptions,
): ExecutionPlan[] {
  if (pipelines.length === 0) return [];
  const rng = createRng(deriveSeed(options.seed, 'executions', project.org, project.identifier));
  const windowStart = options.now - options.days * DAY;
  const windowEnd = options.now + options.futureMs;
  const queue = schedule(pipelines, options, rng).filter((s) => s.startTs >= windowStart && s.startTs < windowEnd);
  const repo: RepoState = {
    rng,
    project,
    headSha: rng.hex(40),
    lastCommitTs: windowStart - DAY,
    nextPr: rng.int(40, 300),
    greenBuilds: [],
  };
  const plans: ExecutionPlan[] = [];
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i];
    if (!item) continue;
    const plan = planOne(item, repo);
    plans.push(plan);
    const restore = restoreFor(plan, pipelines, rng);
    if (restore && restore.startTs < windowEnd) insertSorted(queue, restore, i + 1);
  }
  return plans;
}

/** Start times for every pipeline over the window, in time order. */
function schedule(pipelines: Pipeline[], options: TimelineOptions, rng: Rng): Scheduled[] {
  const out: Scheduled[] = [];
  const weighted = pipelines
    .filter((p) => FLAVOR_WEIGHT[p.flavor] > 0)
    .map((p) => [p, FLAVOR_WEIGHT[p.flavor]] as const);
  const nightly = pipelines.find((p) => p.flavor === 'nightly');
  const firstDay = Math.floor((options.now - options.days * DAY) / DAY);
  const lastDay = Math.floor((options.now + options.futureMs) / DAY);
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = new Date(day * DAY).getUTCDay();
    const factor = weekday === 0 || weekday === 6 ? 0.25 : 1;
    const count = Math.round(options.executionsPerDay * factor * (0.5 + rng.next()));
    for (let n = 0; n < count && weighted.length > 0; n++) {
      out.push({
        pipeline: rng.weighted(weighted),
        startTs: day * DAY + 8 * HOUR + Math.floor(rng.next() * 11 * HOUR),
      });
    }
    if (nightly) out.push({ pipeline: nightly, startTs: day * DAY + 2 * HOUR + rng.int(0, 300_000) });
  }
  return out.sort((a, b) => a.startTs - b.startTs);
}

function insertSorted(queue: Scheduled[], item: Scheduled, from: number): void {
  let i = from;
  while (i < queue.length && (queue[i]?.startTs ?? Infinity) <= item.startTs) i++;
  queue.splice(i, 0, item);
}

export type PlanOverrides = Pick<PlanInput, 'status' | 'triggerType' | 'durationMs'>;

/** Plans a run of `item.pipeline`, advancing the repo state (commits, green builds) as it goes. */
export function planOne(item: Scheduled, repo: RepoState, overrides: PlanOverrides = {}): ExecutionPlan {
  const { pipeline, startTs } = item;
  const restore = item.restore ? { status: 'Success' as const, triggerType: 'MANUAL' as const } : {};
  const base: PlanInput = { pipeline, startTs, rng: repo.rng, people: repo.project.people, ...restore, ...overrides };
  switch (pipeline.flavor) {
    case 'build': {
      const plan = planExecution({ ...base, ci: pushBuild(repo, startTs) });
      if (plan.finalStatus === 'Success') repo.greenBuilds.push(plan);
      return plan;
    }
    case 'pr':
      return planExecution({ ...base, ci: prBuild(repo, startTs) });
    case 'nightly':
      return planExecution({
        ...base,
        ci: { repoName: repo.project.repoName, branch: 'main', event: null, commits: [], headSha: repo.headSha },
      });
    default:
      return planExecution({ ...base, cd: artifactFor(repo, startTs) });
  }
}

function newCommits(repo: RepoState, startTs: number, count: number): Commit[] {
  const { rng, project } = repo;
  const from = Math.max(repo.lastCommitTs, startTs - 6 * HOUR);
  const commits: Commit[] = [];
  for (let i = 0; i < count; i++) {
    const author = project.people.length > 0 ? rng.pick(project.people) : undefined;
    if (!author) break;
    commits.push({
      id: rng.hex(40),
      message: rng.pick(COMMIT_MESSAGES),
      author,
      timeStamp: from + Math.floor(rng.next() * Math.max(startTs - 30_000 - from, 1)),
    });
  }
  return commits.sort((a, b) => b.timeStamp - a.timeStamp);
}

function pushBuild(repo: RepoState, startTs: number): CiPlan {
  const commits = newCommits(repo, startTs, repo.rng.int(1, 3));
  const head = commits[0];
  if (head) {
    repo.headSha = head.id;
    repo.lastCommitTs = head.timeStamp;
  }
  return {
    repoName: repo.project.repoName,
    branch: 'main',
    event: 'branch',
    commits,
    ...(head ? { author: head.author } : {}),
    headSha: repo.headSha,
  };
}

function prBuild(repo: RepoState, startTs: number): CiPlan {
  const { rng } = repo;
  const commits = newCommits(repo, startTs, rng.int(1, 4));
  const title = rng.pick(PR_TITLES);
  const sourceBranch = `feature/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const id = repo.nextPr++;
  const head = commits[0];
  return {
    repoName: repo.project.repoName,
    branch: sourceBranch,
    event: 'pullRequest',
    commits,
    pullRequest: { id, sourceBranch, targetBranch: 'main', title },
    ...(head ? { author: head.author } : {}),
    headSha: head?.id ?? repo.headSha,
  };
}

function artifactFor(repo: RepoState, startTs: number): CdPlan {
  const shipped = repo.greenBuilds.filter((b) => b.endTs <= startTs).at(-1);
  const sha = shipped?.ci?.headSha ?? repo.headSha;
  const service = repo.rng.pick(repo.project.services);
  return { service, tag: sha.slice(0, 7) };
}

/** A failed production deploy is followed by a successful one within hours. */
function restoreFor(plan: ExecutionPlan, pipelines: Pipeline[], rng: Rng): Scheduled | undefined {
  if (plan.pipeline.module !== 'cd' || plan.finalStatus !== 'Failed') return undefined;
  if (failedStage(plan)?.env?.type !== 'Production') return undefined;
  const hotfix = pipelines.find((p) => p.flavor === 'hotfix');
  const pipeline = hotfix && rng.chance(0.4) ? hotfix : plan.pipeline;
  return { pipeline, startTs: plan.endTs + rng.int(20 * MINUTE, 4 * HOUR), restore: true };
}
