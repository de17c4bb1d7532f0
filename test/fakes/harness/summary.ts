// The JSON shape of `PipelineExecutionSummary` as this fake serves it (harness-go-sdk
// model_pipeline_execution_summary.go; harness-core-ui recorded executionSummary.json).
// Fields the real API has but the fake never fills (gitDetails, stagesExecutionMetadata, ...) are left out.

import type { EnvironmentType, ShownStatus, TriggerType } from './model.js';

export interface CommitJson {
  __recast: string;
  id: string;
  link: string;
  message: string;
  ownerName: string;
  ownerId: string;
  ownerEmail: string;
  timeStamp: number;
}

export interface CiExecutionInfoJson {
  __recast: string;
  event: 'branch' | 'pullRequest';
  branch?: { __recast: string; name: string; commits: CommitJson[] };
  pullRequest?: {
    __recast: string;
    sourceBranch: string;
    targetBranch: string;
    id: number;
    link: string;
    title: string;
    state: string;
    commits: CommitJson[];
  };
  author?: { id: string; name: string; avatar: string; email: string };
}

export interface CiModuleInfoJson {
  __recast: string;
  branch: string;
  repoName: string;
  isPrivateRepo: boolean;
  buildType: 'branch' | 'PR';
  ciExecutionInfoDTO?: CiExecutionInfoJson;
}

export interface CdModuleInfoJson {
  __recast: string;
  serviceIdentifiers: string[];
  envIdentifiers: string[];
  serviceDefinitionTypes: string[];
  environmentTypes: EnvironmentType[];
  infrastructureTypes: string[];
  infrastructureIdentifiers: string[];
  infrastructureNames: string[];
  artifactDisplayNames: string[];
  envGroupIdentifiers: string[];
}

export interface StageCdInfoJson {
  __recast: string;
  serviceInfo: {
    __recast: string;
    identifier: string;
    displayName: string;
    deploymentType: string;
    artifacts: {
      __recast: string;
      primary: { __recast: string; imagePath: string; tag: string };
      sidecars: unknown[];
    };
  };
  infraExecutionSummary: { __recast: string; identifier: string; name: string; type: EnvironmentType };
}

export interface GraphLayoutNodeJson {
  nodeType: 'CI' | 'Deployment' | 'Approval' | 'parallel';
  nodeGroup: 'STAGE';
  nodeIdentifier: string;
  name: string;
  nodeUuid: string;
  status: ShownStatus;
  module?: 'ci' | 'cd' | 'pms';
  moduleInfo?: { cd?: StageCdInfoJson; pms?: { __recast: string } };
  startTs?: number;
  endTs?: number;
  edgeLayoutList: { currentNodeChildren: string[]; nextIds: string[] };
  nodeRunInfo?: {
    whenCondition: string;
    evaluatedCondition: boolean;
    expressions: { expression: string; expressionValue: string; count: number }[];
  };
  failureInfo?: { message: string };
  failureInfoDTO?: { message: string; failureTypeList: string[]; responseMessages: unknown[] };
}

export interface ExecutionSummaryJson {
  pipelineIdentifier: string;
  orgIdentifier: string;
  projectIdentifier: string;
  planExecutionId: string;
  name: string;
  yamlVersion: string;
  status: ShownStatus;
  tags: { key: string; value: string }[];
  executionTriggerInfo: {
    triggerType: TriggerType;
    triggeredBy: { uuid?: string; identifier: string; extraInfo: Record<string, string> };
    isRerun: boolean;
  };
  executionErrorInfo?: { message: string };
  governanceMetadata: Record<string, unknown>;
  moduleInfo: { ci?: CiModuleInfoJson; cd?: CdModuleInfoJson; pms?: Record<string, unknown> };
  layoutNodeMap: Record<string, GraphLayoutNodeJson>;
  modules: string[];
  startingNodeId: string;
  startTs: number;
  /** Absent while the execution is not final. */
  endTs?: number;
  createdAt: number;
  canRetry: boolean;
  showRetryHistory: boolean;
  runSequence: number;
  successfulStagesCount: number;
  runningStagesCount: number;
  failedStagesCount: number;
  totalStagesCount: number;
  allowStageExecutions: boolean;
  stagesExecution: boolean;
}
