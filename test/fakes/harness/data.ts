// The seeded, deterministic data behind the fake: an account of orgs, projects and pipelines, and
// `days` of executions before `now` (plus some planned after it, revealed as the clock advances).
// Same options, same data; nothing here reads the wall clock or Math.random.

import { deriveSeed } from '../common/prng.js';
import { buildStructure } from './account.js';
import { planLiveExecution } from './live.js';
import { type ExecutionPlan, type FinalStatus, type HarnessAccount, HOUR, MINUTE, type TriggerType } from './model.js';
import { canEndWith } from './plan.js';
import { createRng, type Rng } from './prng.js';
import { renderExecution } from './render.js';
import type { ExecutionSummaryJson } from './summary.js';
import { generateProjectTimeline } from './timeline.js';

export interface HarnessDataOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** The clock at start, epoch ms (default: the wall clock, floored to the minute). */
  now?: number;
  /** Days of history before `now` (default 90). */
  days?: number;
  /** Average executions per project on a weekday; weekends get a quarter (default 8). */
  executionsPerDay?: number;
  /** How many of the catalog orgs (payments, platform, mobile, data, growth) to create, 1..5 (default 3). */
  orgCount?: number;
  /** Add the `default` org with an empty `default_project`, as every real account has (default true). */
  includeDefaultOrg?: boolean;
  /** Account identifier (default: a 22-character id derived from the seed). */
  accountId?: string;
  /** Executions are also planned this far after `now`; they appear as the clock advances (default 24). */
  futureHours?: number;
  /** Builds started a few minutes before `now`, so some runs are in progress at start (default 2). */
  runningAtStart?: number;
}

export type ResolvedDataOptions = Required<HarnessDataOptions>;

export interface AddExecutionInput {
  org: string;
  project: string;
  pipeline: string;
  /** Default: the fake's current clock. */
  startTs?: number;
  /** Final outcome (default Success). Expired and ApprovalRejected need a pipeline with an approval stage. */
  status?: FinalStatus;
  /** How long the run takes; it shows as running until startTs + durationMs (default: drawn per stage). */
  durationMs?: number;
  triggerType?: TriggerType;
}

/** The data of one fake instance; all mutation goes through `add` and `generate`. */
export interface HarnessData extends HarnessAccount {
  readonly options: ResolvedDataOptions;
  /** Plans started at or before t, newest first. */
  visible(t: number): ExecutionPlan[];
  add(input: AddExecutionInput, t: number): ExecutionPlan;
  /** Plans `count` new runs starting at t on pipelines chosen by the seeded PRNG. */
  generate(count: number, t: number): ExecutionPlan[];
  /** Removes an execution (a data-retention purge, a deleted run): it is gone from every list. */
  remove(planExecutionId: string): void;
  /** The summary at time t. Final runs never change, so theirs is cached and frozen: treat it as read-only. */
  render(plan: ExecutionPlan, t: number): ExecutionSummaryJson;
}

export function resolveDataOptions(options: HarnessDataOptions = {}): ResolvedDataOptions {
  const seed = options.seed ?? 1;
  const orgCount = options.orgCount ?? 3;
  if (!Number.isInteger(orgCount) || orgCount < 1 || orgCount > 5) throw new Error('orgCount must be 1..5');
  return {
    seed,
    now: options.now ?? Math.floor(Date.now() / MINUTE) * MINUTE,
    days: options.days ?? 90,
    executionsPerDay: options.executionsPerDay ?? 8,
    orgCount,
    includeDefaultOrg: options.includeDefaultOrg ?? true,
    accountId: options.accountId ?? createRng(deriveSeed(seed, 'account')).id(22),
    futureHours: options.futureHours ?? 24,
    runningAtStart: options.runningAtStart ?? 2,
  };
}

export function generateHarnessData(options: HarnessDataOptions = {}): HarnessData {
  const opts = resolveDataOptions(options);
  const structure = buildStructure(opts);
  const timeline = { ...opts, futureMs: opts.futureHours * HOUR };
  const plans = structure.projects.flatMap((project) =>
    generateProjectTimeline(
      project,
      structure.pipelines.filter((p) => p.org === project.org && p.project === project.identifier),
      timeline,
    ),
  );
  const account: HarnessAccount = { accountId: opts.accountId, ...structure, executions: plans };
  plans.push(...runningAtStart(account, opts, createRng(deriveSeed(opts.seed, 'running'))));
  numberRuns(account, plans);
  plans.sort(byStart);
  return withMethods(account, opts, createRng(deriveSeed(opts.seed, 'live')));
}

const byStart = (a: ExecutionPlan, b: ExecutionPlan): number =>
  a.startTs - b.startTs || (a.planExecutionId < b.planExecutionId ? -1 : 1);

function runningAtStart(account: HarnessAccount, opts: ResolvedDataOptions, rng: Rng): ExecutionPlan[] {
  const builds = account.pipelines.filter((p) => p.flavor === 'build').slice(0, opts.runningAtStart);
  return builds.map((pipeline) => {
    const project = account.projects.find((p) => p.org === pipeline.org && p.identifier === pipeline.project);
    if (!project) throw new Error(`no project for ${pipeline.identifier}`);
    const startTs = opts.now - rng.int(MINUTE, 4 * MINUTE);
    return planLiveExecution({ pipeline, project, startTs, rng, history: account.executions });
  });
}

/** runSequence grows with start time per pipeline, from the pipeline's first generated number. */
function numberRuns(account: HarnessAccount, plans: ExecutionPlan[]): void {
  for (const pipeline of account.pipelines) {
    const mine = plans.filter((p) => p.pipeline === pipeline).sort(byStart);
    mine.forEach((plan, i) => (plan.runSequence = pipeline.firstRunSequence + i));
  }
}

function withMethods(account: HarnessAccount, options: ResolvedDataOptions, rng: Rng): HarnessData {
  const plans = account.executions;
  const insert = (plan: ExecutionPlan, t: number): ExecutionPlan => {
    const mine = plans.filter((p) => p.pipeline === plan.pipeline);
    const shown = mine.filter((p) => p.startTs <= t);
    let next = Math.max(plan.pipeline.firstRunSequence - 1, ...shown.map((p) => p.runSequence)) + 1;
    plan.runSequence = next++;
    // Runs planned for later have not been numbered by the server yet: they come after this one.
    for (const later of mine.filter((p) => p.startTs > t).sort(byStart)) later.runSequence = next++;
    const at = plans.findIndex((p) => byStart(p, plan) > 0);
    plans.splice(at === -1 ? plans.length : at, 0, plan);
    return plan;
  };
  return {
    ...account,
    options,
    visible: (t) => plans.filter((p) => p.startTs <= t).reverse(),
    add: (input, t) => insert(planAdded(account, { status: 'Success', ...input }, t, rng), t),
    generate(count, t) {
      const candidates = account.pipelines.filter((p) => p.flavor !== 'nightly');
      return Array.from({ length: count }, () => {
        const pipeline = rng.pick(candidates);
        return insert(
          planAdded(account, { org: pipeline.org, project: pipeline.project, pipeline: pipeline.identifier }, t, rng),
          t,
        );
      });
    },
    remove(planExecutionId) {
      const at = plans.findIndex((p) => p.planExecutionId === planExecutionId);
      if (at === -1) throw new Error(`unknown execution ${planExecutionId}`);
      plans.splice(at, 1);
    },
    render: cachedRender(account.accountId),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function cachedRender(accountId: string): (plan: ExecutionPlan, t: number) => ExecutionSummaryJson {
  const finals = new WeakMap<ExecutionPlan, ExecutionSummaryJson>();
  return (plan, t) => {
    if (t < plan.endTs) return renderExecution(plan, accountId, t);
    let summary = finals.get(plan);
    if (!summary) {
      summary = deepFreeze(renderExecution(plan, accountId, t));
      finals.set(plan, summary);
    }
    return summary;
  };
}

function planAdded(account: HarnessAccount, input: AddExecutionInput, t: number, rng: Rng): ExecutionPlan {
  const pipeline = account.pipelines.find(
    (p) => p.org === input.org && p.project === input.project && p.identifier === input.pipeline,
  );
  const project = account.projects.find((p) => p.org === input.org && p.identifier === input.project);
  if (!pipeline || !project) throw new Error(`unknown pipeline ${input.org}/${input.project}/${input.pipeline}`);
  const status = input.status;
  if (status && !canEndWith(pipeline, status))
    throw new Error(`${pipeline.identifier} has no approval stage to end ${status}`);
  return planLiveExecution({
    pipeline,
    project,
    startTs: input.startTs ?? t,
    rng,
    history: account.executions,
    ...(status ? { status } : {}),
    ...(input.durationMs !== undefined ? { durationMs: input.durationMs } : {}),
    ...(input.triggerType ? { triggerType: input.triggerType } : {}),
  });
}
