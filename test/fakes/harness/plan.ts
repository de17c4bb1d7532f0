// Plans one execution: outcome, the stage that decides it, stage timings and the trigger.

import { APPROVAL_TIMEOUT_MS } from './account.js';
import { CD_FAILURES, CI_FAILURES } from './catalog.js';
import type {
  CdPlan,
  CiPlan,
  ExecutionPlan,
  FinalStatus,
  GroupPlan,
  Person,
  Pipeline,
  PipelineFlavor,
  StageSpec,
  TriggerPlan,
  TriggerType,
} from './model.js';
import type { Rng } from './prng.js';

export interface PlanInput {
  pipeline: Pipeline;
  startTs: number;
  rng: Rng;
  people: readonly Person[];
  ci?: CiPlan;
  cd?: CdPlan;
  /** Overrides for restores and `addExecution`. */
  status?: FinalStatus;
  triggerType?: TriggerType;
  durationMs?: number;
}

const OUTCOMES: Record<PipelineFlavor, readonly (readonly [FinalStatus, number])[]> = {
  build: [
    ['Success', 82],
    ['Failed', 13],
    ['Aborted', 5],
  ],
  pr: [
    ['Success', 74],
    ['Failed', 21],
    ['Aborted', 5],
  ],
  nightly: [
    ['Success', 85],
    ['Failed', 15],
  ],
  deploy: [
    ['Success', 80],
    ['Failed', 10],
    ['Aborted', 4],
    ['Expired', 4],
    ['ApprovalRejected', 2],
  ],
  hotfix: [
    ['Success', 85],
    ['Failed', 15],
  ],
};

/** Whether the pipeline can end with this status (approval outcomes need an approval stage). */
export function canEndWith(pipeline: Pipeline, status: FinalStatus): boolean {
  if (status !== 'Expired' && status !== 'ApprovalRejected') return true;
  return pipeline.groups.some((g) => g.some((s) => s.kind === 'Approval'));
}

export function planExecution(input: PlanInput): ExecutionPlan {
  const { pipeline, rng } = input;
  let status = input.status ?? rng.weighted(OUTCOMES[pipeline.flavor]);
  if (!canEndWith(pipeline, status)) status = 'Failed';
  const target = status === 'Success' ? null : pickTarget(pipeline, status, rng);
  const { groups, lastEnd } = planGroups(pipeline, status, target, rng);
  const startTs = input.startTs;
  const plan: ExecutionPlan = {
    planExecutionId: rng.id(22),
    pipeline,
    runSequence: 0,
    startTs,
    createdAt: startTs + rng.int(20, 150),
    endTs: startTs + lastEnd + rng.int(1_000, 4_000),
    finalStatus: status,
    groups,
    trigger: planTrigger(pipeline.flavor, input, rng),
    ...(input.ci ? { ci: input.ci } : {}),
    ...(input.cd ? { cd: input.cd } : {}),
  };
  const failing = groups.flatMap((g) => g.stages).find((s) => s.failureMessage);
  if (failing?.failureMessage) plan.errorMessage = failing.failureMessage;
  if (input.durationMs !== undefined) scalePlan(plan, input.durationMs);
  return plan;
}

interface Target {
  group: number;
  stage: number;
}

function pickTarget(pipeline: Pipeline, status: FinalStatus, rng: Rng): Target {
  const candidates: Target[] = [];
  pipeline.groups.forEach((group, g) =>
    group.forEach((spec, s) => {
      const isApproval = spec.kind === 'Approval';
      if (status === 'Expired' || status === 'ApprovalRejected') {
        if (isApproval) candidates.push({ group: g, stage: s });
      } else if (status === 'Aborted') {
        if (group.length === 1) candidates.push({ group: g, stage: s });
      } else if (!isApproval) {
        candidates.push({ group: g, stage: s });
      }
    }),
  );
  return rng.pick(candidates);
}

function planGroups(
  pipeline: Pipeline,
  status: FinalStatus,
  target: Target | null,
  rng: Rng,
): { groups: GroupPlan[]; lastEnd: number } {
  let cursor = rng.int(2_000, 8_000);
  let lastEnd = cursor;
  const groups = pipeline.groups.map((specs, g): GroupPlan => {
    const reached = target === null || g <= target.group;
    const stages = specs.map((spec, s) => {
      const uuid = rng.id(22);
      if (!reached) return { spec, uuid, startOffset: 0, durationMs: 0, outcome: 'NotStarted' as const };
      const isTarget = target !== null && target.group === g && target.stage === s;
      const durationMs = stageDuration(spec, isTarget ? status : 'Success', rng);
      const outcome = isTarget ? status : ('Success' as const);
      const failureMessage = isTarget ? failureFor(spec, status, rng) : undefined;
      lastEnd = Math.max(lastEnd, cursor + durationMs);
      return { spec, uuid, startOffset: cursor, durationMs, outcome, ...(failureMessage ? { failureMessage } : {}) };
    });
    if (reached) cursor = lastEnd + rng.int(1_000, 5_000);
    return specs.length > 1 ? { parallelUuid: `${rng.id(22)}parallel`, stages } : { stages };
  });
  return { groups, lastEnd };
}

function stageDuration(spec: StageSpec, outcome: FinalStatus, rng: Rng): number {
  const full = rng.int(spec.minMs, spec.maxMs);
  switch (outcome) {
    case 'Expired':
      return APPROVAL_TIMEOUT_MS;
    case 'Aborted':
      return Math.max(20_000, Math.floor(full * rng.next()));
    case 'Failed':
      return Math.max(15_000, Math.floor(full * (0.3 + 0.7 * rng.next())));
    default:
      return full;
  }
}

function failureFor(spec: StageSpec, status: FinalStatus, rng: Rng): string | undefined {
  switch (status) {
    case 'Failed':
      return rng.pick(spec.kind === 'CI' ? CI_FAILURES : CD_FAILURES);
    case 'Expired':
      return 'Approval expired: no approver responded within 1h';
    case 'ApprovalRejected':
      return 'Approval rejected';
    default:
      return undefined;
  }
}

const WEBHOOK_TRIGGERS: Record<PipelineFlavor, string> = {
  build: 'on_push',
  pr: 'on_pull_request',
  nightly: 'nightly',
  deploy: 'on_main_build',
  hotfix: 'on_push',
};

const DEFAULT_TRIGGERS: Record<PipelineFlavor, readonly (readonly [TriggerType, number])[]> = {
  build: [
    ['WEBHOOK', 85],
    ['MANUAL', 15],
  ],
  pr: [['WEBHOOK', 1]],
  nightly: [['SCHEDULER_CRON', 1]],
  deploy: [
    ['MANUAL', 70],
    ['WEBHOOK', 30],
  ],
  hotfix: [['MANUAL', 1]],
};

function planTrigger(flavor: PipelineFlavor, input: PlanInput, rng: Rng): TriggerPlan {
  const type = input.triggerType ?? rng.weighted(DEFAULT_TRIGGERS[flavor]);
  if (type === 'MANUAL' && input.people.length > 0) {
    const person = rng.pick(input.people);
    return { type, identifier: person.name, uuid: person.uuid, email: person.email };
  }
  if (type === 'MANUAL') return { type, identifier: 'Admin', uuid: rng.id(22), email: 'admin@example.com' };
  return { type, identifier: type === 'SCHEDULER_CRON' ? 'nightly' : WEBHOOK_TRIGGERS[flavor] };
}

/** Stretches or squeezes every timing so the run lasts `durationMs`. */
function scalePlan(plan: ExecutionPlan, durationMs: number): void {
  const factor = Math.max(durationMs, 1) / (plan.endTs - plan.startTs);
  for (const group of plan.groups) {
    for (const stage of group.stages) {
      stage.startOffset = Math.floor(stage.startOffset * factor);
      stage.durationMs = Math.floor(stage.durationMs * factor);
    }
  }
  plan.endTs = plan.startTs + Math.max(durationMs, 1);
}

/** The stage a failed run failed in, if any. */
export function failedStage(plan: ExecutionPlan): StageSpec | undefined {
  for (const group of plan.groups) {
    for (const stage of group.stages) if (stage.outcome === 'Failed') return stage.spec;
  }
  return undefined;
}
