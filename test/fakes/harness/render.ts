// Renders an execution plan as the API's PipelineExecutionSummary at a given clock time.
// Before its planned end a run shows Running (or ApprovalWaiting) with no endTs; afterwards it is final.

import type { ExecutionPlan } from './model.js';
import { layout } from './render-layout.js';
import { moduleInfo } from './render-module-info.js';
import { stageStateAt, statusAt } from './stage-state.js';
import type { ExecutionSummaryJson } from './summary.js';

export function renderExecution(plan: ExecutionPlan, accountId: string, t: number): ExecutionSummaryJson {
  const { pipeline } = plan;
  const stages = plan.groups.flatMap((g) => g.stages);
  const states = stages.map((s) => stageStateAt(plan, s, t));
  const status = statusAt(plan, t);
  const final = t >= plan.endTs;
  const hasApproval = stages.some((s) => s.spec.kind === 'Approval');
  const firstGroup = plan.groups[0];
  const summary: ExecutionSummaryJson = {
    pipelineIdentifier: pipeline.identifier,
    orgIdentifier: pipeline.org,
    projectIdentifier: pipeline.project,
    planExecutionId: plan.planExecutionId,
    name: pipeline.name,
    yamlVersion: '0',
    status,
    tags: pipeline.tags.map((tag) => ({ ...tag })),
    executionTriggerInfo: triggerInfo(plan, accountId),
    ...(final && plan.errorMessage ? { executionErrorInfo: { message: plan.errorMessage } } : {}),
    governanceMetadata: governance(plan, accountId),
    moduleInfo: moduleInfo(plan, t, hasApproval),
    layoutNodeMap: layout(plan, t),
    modules: hasApproval ? [pipeline.module, 'pms'] : [pipeline.module],
    startingNodeId: firstGroup?.parallelUuid ?? firstGroup?.stages[0]?.uuid ?? '',
    startTs: plan.startTs,
    ...(final ? { endTs: plan.endTs } : {}),
    createdAt: plan.createdAt,
    canRetry: true,
    showRetryHistory: false,
    runSequence: plan.runSequence,
    successfulStagesCount: states.filter((s) => s.status === 'Success').length,
    runningStagesCount: states.filter((s) => s.status === 'Running' || s.status === 'ApprovalWaiting').length,
    failedStagesCount: states.filter((s) => s.status === 'Failed').length,
    totalStagesCount: stages.length,
    allowStageExecutions: false,
    stagesExecution: false,
  };
  return summary;
}

function triggerInfo(plan: ExecutionPlan, accountId: string): ExecutionSummaryJson['executionTriggerInfo'] {
  const { trigger, pipeline } = plan;
  const extraInfo: Record<string, string> =
    trigger.type === 'MANUAL'
      ? { email: trigger.email ?? '' }
      : {
          execution_trigger_tag_needed_for_abort: `${accountId}:${pipeline.org}:${pipeline.project}:${pipeline.identifier}`,
          triggerRef: `${accountId}/${pipeline.org}/${pipeline.project}/${trigger.identifier}`,
        };
  return {
    triggerType: trigger.type,
    triggeredBy: { ...(trigger.uuid ? { uuid: trigger.uuid } : {}), identifier: trigger.identifier, extraInfo },
    isRerun: false,
  };
}

function governance(plan: ExecutionPlan, accountId: string): Record<string, unknown> {
  const { org, project, identifier } = plan.pipeline;
  return {
    id: '0',
    deny: false,
    details: [],
    message: '',
    timestamp: String(plan.startTs),
    status: 'pass',
    accountId,
    orgId: org,
    projectId: project,
    entity: encodeURIComponent(
      `accountIdentifier:${accountId}/orgIdentifier:${org}/projectIdentifier:${project}/pipelineIdentifier:${identifier}`,
    ),
    type: 'pipeline',
    action: 'onrun',
    created: String(plan.startTs - 11),
  };
}
