// One fake instance's data: the fixed structure plus the simulated history, run up to the clock on
// demand, with lookups by id or URL path and a small cache of re-planned pipeline jobs.

import { planPipeline, type PipelinePlan } from './jobs-plan.js';
import type { Group, Pipeline, Project, User } from './model.js';
import { createSim, type Sim } from './sim.js';
import { buildStructure } from './structure.js';
import { MINUTE } from './time.js';

export interface GitLabDataOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** The clock at start, epoch ms (default: the wall clock, floored to the minute). */
  now?: number;
  /** Days of history before `now` (default 90). */
  days?: number;
  /** Top-level groups from the catalog, 1..3 (default 3: acme with its platform subgroup, mobile, data). */
  groups?: number;
  /** Average pipelines per project on a weekday, before each project's own busyness factor (default 8). */
  pipelinesPerDay?: number;
  /** Direct pushes a few minutes before `now`, so pipelines are running at start (default 2). */
  runningAtStart?: number;
}

export type ResolvedDataOptions = Required<GitLabDataOptions>;

export interface World {
  readonly options: ResolvedDataOptions;
  readonly users: User[];
  readonly mainUser: User;
  readonly groups: Group[];
  readonly projects: Project[];
  readonly sim: Sim;
  /** Runs the history up to `t` (events are only ever processed once). */
  sync(t: number): void;
  /** A live (not deleted) project by numeric id or full path. */
  project(idOrPath: string): Project | undefined;
  group(idOrPath: string): Group | undefined;
  user(idOrUsername: string | number): User | undefined;
  /** The planned jobs of a pipeline (re-planned from its spec; a few hundred are cached). */
  plan(pipeline: Pipeline): PipelinePlan;
}

export function resolveDataOptions(options: GitLabDataOptions = {}): ResolvedDataOptions {
  const groups = options.groups ?? 3;
  if (!Number.isInteger(groups) || groups < 1 || groups > 3) throw new Error('groups must be 1..3');
  const pipelinesPerDay = options.pipelinesPerDay ?? 8;
  if (!(pipelinesPerDay >= 0)) throw new Error('pipelinesPerDay must be >= 0');
  return {
    seed: options.seed ?? 1,
    now: options.now ?? Math.floor(Date.now() / MINUTE) * MINUTE,
    days: options.days ?? 90,
    groups,
    pipelinesPerDay,
    runningAtStart: options.runningAtStart ?? 2,
  };
}

export function createWorld(input: GitLabDataOptions = {}): World {
  const options = resolveDataOptions(input);
  const structure = buildStructure(options);
  const sim = createSim(structure, options);
  sim.runUntil(options.now);
  const plans = new Map<Pipeline, PipelinePlan>();
  const find = <T extends { id: number }>(
    items: readonly T[],
    key: string,
    path: (item: T) => string,
  ): T | undefined =>
    /^\d+$/.test(key) ? items.find((i) => i.id === Number(key)) : items.find((i) => path(i) === key);
  return {
    options,
    ...structure,
    sim,
    sync: (t) => sim.runUntil(t),
    project(key) {
      const found = find(structure.projects, key, (p) => p.pathWithNamespace);
      return found && !found.deleted ? found : undefined;
    },
    group: (key) => find(structure.groups, key, (g) => g.fullPath),
    user: (key) => structure.users.find((u) => u.id === Number(key) || u.username === key),
    plan(pipeline) {
      let plan = plans.get(pipeline);
      if (plan) {
        plans.delete(pipeline);
      } else {
        plan = planPipeline(pipeline.spec, pipeline.project);
        if (plans.size >= 512) plans.delete(plans.keys().next().value as Pipeline);
      }
      plans.set(pipeline, plan);
      return plan;
    },
  };
}
