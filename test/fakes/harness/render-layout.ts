// `layoutNodeMap`: one GraphLayoutNode per stage, in execution order, linked by `nextIds`; a parallel
// group is a synthetic `parallel` node listing its stages in `currentNodeChildren` (harness-core-ui recording).

import type { ExecutionPlan, StagePlan } from './model.js';
import { RECAST, stageCdInfo } from './render-module-info.js';
import { stageStateAt } from './stage-state.js';
import type { GraphLayoutNodeJson } from './summary.js';

function stageNode(plan: ExecutionPlan, stage: StagePlan, t: number, nextIds: string[]): GraphLayoutNodeJson {
  const state = stageStateAt(plan, stage, t);
  const kind = stage.spec.kind;
  const cd = state.startTs !== undefined ? stageCdInfo(plan, stage) : undefined;
  const final = state.endTs !== undefined;
  const message = final ? (stage.failureMessage ?? '') : '';
  return {
    nodeType: kind,
    nodeGroup: 'STAGE',
    nodeIdentifier: stage.spec.identifier,
    name: stage.spec.name,
    nodeUuid: stage.uuid,
    status: state.status,
    module: kind === 'CI' ? 'ci' : kind === 'Deployment' ? 'cd' : 'pms',
    ...(cd ? { moduleInfo: { cd } } : kind === 'Approval' ? { moduleInfo: { pms: { __recast: RECAST.pmsNoop } } } : {}),
    ...(state.startTs !== undefined ? { startTs: state.startTs } : {}),
    ...(state.endTs !== undefined ? { endTs: state.endTs } : {}),
    edgeLayoutList: { currentNodeChildren: [], nextIds },
    ...(state.startTs !== undefined ? { nodeRunInfo: runInfo() } : {}),
    ...(final ? { failureInfo: { message } } : {}),
    ...(final
      ? {
          failureInfoDTO: {
            message,
            failureTypeList: state.status === 'Failed' ? ['APPLICATION_ERROR'] : [],
            responseMessages: [],
          },
        }
      : {}),
  };
}

/** A fresh object each time: summaries of running executions are handed out mutable. */
function runInfo(): NonNullable<GraphLayoutNodeJson['nodeRunInfo']> {
  return {
    whenCondition: '<+OnPipelineSuccess>',
    evaluatedCondition: true,
    expressions: [{ expression: 'OnPipelineSuccess', expressionValue: 'true', count: 1 }],
  };
}

export function layout(plan: ExecutionPlan, t: number): Record<string, GraphLayoutNodeJson> {
  const heads = plan.groups.map((g) => g.parallelUuid ?? g.stages[0]?.uuid ?? '');
  const map: Record<string, GraphLayoutNodeJson> = {};
  plan.groups.forEach((group, i) => {
    const next = heads[i + 1];
    const nextIds = next ? [next] : [];
    if (group.parallelUuid) {
      map[group.parallelUuid] = {
        nodeType: 'parallel',
        nodeGroup: 'STAGE',
        nodeIdentifier: `parallel${group.parallelUuid}`,
        name: '',
        nodeUuid: group.parallelUuid,
        status: 'NotStarted',
        edgeLayoutList: { currentNodeChildren: group.stages.map((s) => s.uuid), nextIds },
      };
    }
    for (const stage of group.stages) {
      map[stage.uuid] = stageNode(plan, stage, t, group.parallelUuid ? [] : nextIds);
    }
  });
  return map;
}
