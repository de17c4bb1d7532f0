// Plans executions added while the fake runs (`addExecution`, `tick`), continuing the project's
// history: new commits on main, PR numbers after the last one, deploys of the latest green build.

import type { ExecutionPlan, Pipeline, Project } from './model.js';
import type { Rng } from './prng.js';
import { planOne, type PlanOverrides, type RepoState } from './timeline.js';

export interface LivePlanInput extends PlanOverrides {
  pipeline: Pipeline;
  project: Project;
  startTs: number;
  rng: Rng;
  /** Existing plans of the account (any order). */
  history: readonly ExecutionPlan[];
}

export function planLiveExecution(input: LivePlanInput): ExecutionPlan {
  const { pipeline, project, startTs, rng, history, ...overrides } = input;
  const mine = history
    .filter((p) => p.pipeline.org === project.org && p.pipeline.project === project.identifier && p.startTs <= startTs)
    .sort((a, b) => a.startTs - b.startTs);
  const builds = mine.filter((p) => p.pipeline.flavor === 'build');
  const lastPr = Math.max(0, ...mine.map((p) => p.ci?.pullRequest?.id ?? 0));
  const lastCommit = Math.max(0, ...mine.flatMap((p) => p.ci?.commits.map((c) => c.timeStamp) ?? []));
  const repo: RepoState = {
    rng,
    project,
    headSha: builds.at(-1)?.ci?.headSha ?? rng.hex(40),
    lastCommitTs: lastCommit || startTs - 3_600_000,
    nextPr: lastPr > 0 ? lastPr + 1 : rng.int(40, 300),
    greenBuilds: builds.filter((b) => b.finalStatus === 'Success'),
  };
  return planOne({ pipeline, startTs }, repo, overrides);
}
