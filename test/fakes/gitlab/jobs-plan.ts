// Plans a pipeline's jobs from its spec: stages build → test → deploy run one after the other, jobs of a
// stage in parallel. Failures skip later stages; `lint` may fail (allow_failure, "passed with warnings");
// flaky tests fail once and are retried automatically; the production deploy is a manual job that
// someone may play after the staging deploy. The plan is a pure function of the spec, so jobs are not
// stored: they are re-planned (and cached) when rendered.

import { templatesFor, type JobTemplate } from './job-templates.js';
import { FINAL } from './status.js';
import type { PipelineKind, PipelineSpec, Project, Transition, User } from './model.js';
import { createRng, type Rng } from './prng.js';
import { MINUTE, SECOND } from './time.js';

export interface JobPlan {
  index: number;
  template: JobTemplate;
  createdAt: number;
  transitions: Transition[];
  /** When a retry superseded this job (it is then hidden unless `include_retried`). */
  retriedAt: number | null;
  failureReason: string | null;
  /** Index into RUNNERS once the job has run. */
  runner: number | null;
  coverage: number | null;
  /** Who played a manual job. */
  player: User | null;
}

export interface PipelinePlan {
  jobs: JobPlan[];
  transitions: Transition[];
  coverage: string | null;
  /** When an allow_failure job first failed (the run then "passed with warnings"). */
  warningsAt: number | null;
  prodFailedAt: number | null;
  /** When the bridge job triggered its child pipeline. */
  bridgeAt: number | null;
}

interface Attempt {
  plans: JobPlan[];
  end: number;
  failed: boolean;
}

function newJob(template: JobTemplate, createdAt: number, transitions: Transition[]): JobPlan {
  return {
    index: 0,
    template,
    createdAt,
    transitions,
    retriedAt: null,
    failureReason: null,
    runner: null,
    coverage: null,
    player: null,
  };
}

/** Runs one job (and its automatic retry when flaky) from `readyAt`. */
function runJob(rng: Rng, t: JobTemplate, createdAt: number, readyAt: number, mustPass: boolean): Attempt {
  if (t.kind === 'bridge') {
    const at = readyAt + rng.int(300, 2500);
    const plan = newJob(t, createdAt, [
      { at: createdAt, status: 'created' },
      { at: readyAt, status: 'pending' },
      { at, status: 'running' },
      { at: at + rng.int(200, 900), status: 'success' },
    ]);
    return { plans: [plan], end: at, failed: false };
  }
  const hardFail = (!mustPass || t.allowFailure === true) && rng.chance(t.failRate);
  const flaky = !hardFail && rng.chance(t.flakyRate ?? 0);
  const one = (created: number, ready: number, fails: boolean): JobPlan => {
    const start = ready + rng.int(300, 25_000);
    const end = start + rng.int(t.minS * SECOND, t.maxS * SECOND);
    const plan = newJob(t, created, [
      ...(created < ready ? [{ at: created, status: 'created' }] : []),
      { at: ready, status: 'pending' },
      { at: start, status: 'running' },
      { at: end, status: fails ? 'failed' : 'success' },
    ]);
    plan.runner = rng.int(0, 3);
    if (fails) plan.failureReason = rng.chance(0.85) ? 'script_failure' : 'runner_system_failure';
    if (t.coverage && !fails) plan.coverage = Math.round(rng.int(7400, 8900)) / 100;
    return plan;
  };
  const first = one(createdAt, readyAt, hardFail || flaky);
  if (!flaky) return { plans: [first], end: endOf(first), failed: hardFail && !t.allowFailure };
  const retryAt = endOf(first);
  first.retriedAt = retryAt;
  const retry = one(retryAt, retryAt, false);
  return { plans: [first, retry], end: endOf(retry), failed: false };
}

function endOf(plan: JobPlan): number {
  return plan.transitions[plan.transitions.length - 1]?.at ?? plan.createdAt;
}

/** A spec that may fail, is not auto-canceled and has no played production deploy, unless `extra` says so. */
export function pipelineSpec(
  kind: PipelineKind,
  seed: number,
  createdAt: number,
  extra: Partial<Pick<PipelineSpec, 'mustPass' | 'cancelAt' | 'play'>> = {},
): PipelineSpec {
  return { kind, seed, createdAt, mustPass: false, cancelAt: null, play: null, ...extra };
}

// Plans made ahead (an MR plan needs its last pipeline's end to time the merge), handed to the one
// `planPipeline` call that creates the pipeline instead of being planned twice. Keyed by spec object.
const prepared = new WeakMap<PipelineSpec, PipelinePlan>();

/** Plans now and keeps the plan for the pipeline's creation. */
export function preparePipeline(spec: PipelineSpec, project: Project): PipelinePlan {
  const plan = planPipeline(spec, project);
  prepared.set(spec, plan);
  return plan;
}

/** The plan made by `preparePipeline`, once; otherwise a fresh one. */
export function takePipelinePlan(spec: PipelineSpec, project: Project): PipelinePlan {
  const plan = prepared.get(spec);
  if (!plan) return planPipeline(spec, project);
  prepared.delete(spec);
  return plan;
}

export function planPipeline(spec: PipelineSpec, project: Project): PipelinePlan {
  const rng = createRng(spec.seed);
  const c = spec.createdAt;
  const { templates, stages } = templatesFor(spec.kind, project);
  const jobs: JobPlan[] = [];
  const result: PipelinePlan = {
    jobs,
    transitions: [],
    coverage: null,
    warningsAt: null,
    prodFailedAt: null,
    bridgeAt: null,
  };
  const firstReady = c + rng.int(800, 4000);
  let ready = firstReady;
  let failedAt: number | null = null;
  let lastEnd = firstReady;
  let playEnd: { start: number; running: number; end: number } | null = null;
  for (const stage of stages) {
    const inStage = templates.filter((t) => t.stage === stage);
    if (failedAt !== null) {
      for (const t of inStage)
        jobs.push(
          newJob(t, c, [
            { at: c, status: 'created' },
            { at: failedAt, status: 'skipped' },
          ]),
        );
      continue;
    }
    let stageEnd = ready;
    let stageFailed = false;
    let stagingOk = true;
    for (const t of inStage.filter((x) => !x.manual)) {
      const attempt = runJob(rng, t, c, ready, spec.mustPass);
      jobs.push(...attempt.plans);
      stageEnd = Math.max(stageEnd, attempt.end);
      stageFailed ||= attempt.failed;
      if (t.kind === 'deploy' && attempt.plans.some((p) => lastStatus(p) === 'failed')) stagingOk = false;
      if (t.kind === 'bridge') result.bridgeAt = attempt.plans[0]?.transitions[2]?.at ?? null;
      for (const p of attempt.plans) {
        if (p.template.allowFailure && lastStatus(p) === 'failed') result.warningsAt ??= endOf(p);
        if (p.coverage !== null) result.coverage = p.coverage.toFixed(2);
      }
    }
    for (const t of inStage.filter((x) => x.manual)) {
      const manual = newJob(t, c, [
        ...(c < ready ? [{ at: c, status: 'created' }] : []),
        { at: ready, status: 'manual' },
      ]);
      jobs.push(manual);
      if (!spec.play || !stagingOk || stageFailed) continue;
      const start = stageEnd + spec.play.delayMs;
      const running = start + rng.int(500, 15_000);
      const end = running + rng.int(60 * SECOND, 5 * MINUTE);
      manual.transitions.push(
        { at: start, status: 'pending' },
        { at: running, status: 'running' },
        { at: end, status: spec.play.outcome },
      );
      manual.player = spec.play.user;
      manual.runner = rng.int(0, 3);
      if (spec.play.outcome === 'failed') {
        manual.failureReason = 'script_failure';
        result.prodFailedAt = end;
        result.warningsAt ??= end;
      }
      playEnd = { start, running, end };
    }
    lastEnd = stageEnd;
    if (stageFailed) failedAt = stageEnd;
    ready = stageEnd + rng.int(200, 2500);
  }
  jobs.forEach((j, i) => (j.index = i));
  const firstRunning = Math.min(...jobs.map((j) => j.transitions.find((x) => x.status === 'running')?.at ?? Infinity));
  const transitions: Transition[] = [
    { at: c, status: 'created' },
    { at: firstReady, status: 'pending' },
    ...(Number.isFinite(firstRunning) ? [{ at: firstRunning, status: 'running' }] : []),
    { at: lastEnd, status: failedAt !== null ? 'failed' : 'success' },
  ];
  if (playEnd) {
    transitions.push(
      { at: playEnd.start, status: 'pending' },
      { at: playEnd.running, status: 'running' },
      { at: playEnd.end, status: 'success' },
    );
  }
  result.transitions = transitions;
  if (spec.cancelAt !== null && spec.cancelAt < lastEnd) cancel(result, spec.cancelAt);
  return result;
}

function lastStatus(plan: JobPlan): string {
  return plan.transitions[plan.transitions.length - 1]?.status ?? 'created';
}

/** An auto-cancel at `at`: unfinished jobs and the pipeline end `canceled`; retries not yet created vanish. */
function cancel(plan: PipelinePlan, at: number): void {
  const cut = (transitions: Transition[]): Transition[] => {
    const kept = transitions.filter((x) => x.at < at);
    const last = kept[kept.length - 1];
    if (last && !FINAL.has(last.status)) kept.push({ at, status: 'canceled' });
    return kept;
  };
  plan.jobs = plan.jobs.filter((j) => j.createdAt < at);
  for (const j of plan.jobs) {
    j.transitions = cut(j.transitions);
    if (j.retriedAt !== null && j.retriedAt >= at) j.retriedAt = null;
    if (lastStatus(j) === 'canceled') j.coverage = null;
  }
  plan.jobs.forEach((j, i) => (j.index = i));
  plan.transitions = cut(plan.transitions);
  if (plan.bridgeAt !== null && plan.bridgeAt >= at) plan.bridgeAt = null;
  if (plan.warningsAt !== null && plan.warningsAt >= at) plan.warningsAt = null;
}
