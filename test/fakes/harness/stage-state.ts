// An execution's and a stage's status at a given clock time, from the plan alone.

import type { ExecutionPlan, ShownStatus, StagePlan } from './model.js';

export interface StageState {
  status: ShownStatus;
  startTs?: number;
  endTs?: number;
}

export function stageStateAt(plan: ExecutionPlan, stage: StagePlan, t: number): StageState {
  if (stage.outcome === 'NotStarted') return { status: 'NotStarted' };
  const startTs = plan.startTs + stage.startOffset;
  const endTs = startTs + stage.durationMs;
  if (t < startTs) return { status: 'NotStarted' };
  if (t < endTs) return { status: stage.spec.kind === 'Approval' ? 'ApprovalWaiting' : 'Running', startTs };
  return { status: stage.outcome, startTs, endTs };
}

/** The execution's status at time t (cheap: used to filter before rendering). */
export function statusAt(plan: ExecutionPlan, t: number): ShownStatus {
  if (t >= plan.endTs) return plan.finalStatus;
  for (const group of plan.groups) {
    for (const stage of group.stages) {
      if (stageStateAt(plan, stage, t).status === 'ApprovalWaiting') return 'ApprovalWaiting';
    }
  }
  return 'Running';
}
