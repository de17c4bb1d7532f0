// `moduleInfo` of an execution (pipeline level) and of a CD stage: SCM data for CI, service,
// environments, infrastructure and artifact for CD, approval info for pipelines with an approval.

import type { CiPlan, Commit, ExecutionPlan, StagePlan } from './model.js';
import { stageStateAt } from './stage-state.js';
import type {
  CdModuleInfoJson,
  CiModuleInfoJson,
  CommitJson,
  ExecutionSummaryJson,
  StageCdInfoJson,
} from './summary.js';

export const RECAST = {
  ciPipeline: 'io.harness.ci.plan.creator.execution.CIPipelineModuleInfo',
  webhook: 'io.harness.ci.pipeline.executions.beans.CIWebhookInfoDTO',
  branchHook: 'io.harness.ci.pipeline.executions.beans.CIBuildBranchHook',
  prHook: 'io.harness.ci.pipeline.executions.beans.CIBuildPRHook',
  commit: 'io.harness.ci.pipeline.executions.beans.CIBuildCommit',
  cdPipeline: 'io.harness.cdng.pipeline.executions.beans.CDPipelineModuleInfo',
  cdStage: 'io.harness.cdng.pipeline.executions.beans.CDStageModuleInfo',
  service: 'io.harness.cdng.pipeline.executions.beans.ServiceExecutionSummary',
  artifacts: 'io.harness.cdng.pipeline.executions.beans.ServiceExecutionSummary$ArtifactsSummary',
  docker: 'io.harness.cdng.artifact.DockerArtifactSummary',
  infra: 'io.harness.cdng.pipeline.executions.beans.InfraExecutionSummary',
  pmsPipeline: 'io.harness.pms.plan.execution.PmsPipelineModuleInfo',
  pmsNoop: 'io.harness.pms.plan.execution.PmsExecutionServiceInfoProvider$PmsNoopModuleInfo',
} as const;

const INFRA_SUFFIX: Record<string, string> = {
  KubernetesDirect: 'k8s',
  KubernetesGcp: 'gke',
  ECS: 'ecs',
  ServerlessAwsLambda: 'lambda',
  CustomDeployment: 'store',
};

export function moduleInfo(plan: ExecutionPlan, t: number, hasApproval: boolean): ExecutionSummaryJson['moduleInfo'] {
  const info: ExecutionSummaryJson['moduleInfo'] = {};
  if (plan.ci) info.ci = ciModuleInfo(plan.ci, plan.trigger.type !== 'MANUAL');
  const cd = cdModuleInfo(plan, t);
  if (cd) info.cd = cd;
  if (hasApproval) {
    const names = plan.groups.flatMap((g) =>
      g.stages.filter((s) => s.spec.kind === 'Approval').map((s) => s.spec.name),
    );
    info.pms = { __recast: RECAST.pmsPipeline, approvalStageNames: names, hasApprovalStage: true };
  }
  return info;
}

function commitJson(commit: Commit, repo: string): CommitJson {
  return {
    __recast: RECAST.commit,
    id: commit.id,
    link: `https://github.com/acme/${repo}/commit/${commit.id}`,
    message: commit.message,
    ownerName: commit.author.name,
    ownerId: commit.author.login,
    ownerEmail: commit.author.email,
    timeStamp: commit.timeStamp,
  };
}

/** Only webhook and cron runs carry the SCM payload; a manual run shows the branch alone. */
function ciModuleInfo(ci: CiPlan, fromTrigger: boolean): CiModuleInfoJson {
  const repo = ci.repoName;
  const info: CiModuleInfoJson = {
    __recast: RECAST.ciPipeline,
    branch: ci.branch,
    repoName: repo,
    isPrivateRepo: true,
    buildType: ci.event === 'pullRequest' ? 'PR' : 'branch',
  };
  if (!fromTrigger || ci.event === null || ci.commits.length === 0) return info;
  const commits = ci.commits.map((c) => commitJson(c, repo));
  const author = ci.author && {
    id: ci.author.login,
    name: ci.author.name,
    avatar: `https://avatars.example.com/${ci.author.login}`,
    email: ci.author.email,
  };
  const pr = ci.pullRequest;
  info.ciExecutionInfoDTO = {
    __recast: RECAST.webhook,
    event: ci.event,
    ...(ci.event === 'branch' ? { branch: { __recast: RECAST.branchHook, name: ci.branch, commits } } : {}),
    ...(pr
      ? {
          pullRequest: {
            __recast: RECAST.prHook,
            sourceBranch: pr.sourceBranch,
            targetBranch: pr.targetBranch,
            id: pr.id,
            link: `https://github.com/acme/${repo}/pull/${pr.id}`,
            title: pr.title,
            state: 'open',
            commits,
          },
        }
      : {}),
    ...(author ? { author } : {}),
  };
  return info;
}

function infraOf(plan: ExecutionPlan, envId: string): { id: string; name: string } {
  const suffix = INFRA_SUFFIX[plan.cd?.service.infrastructureType ?? ''] ?? 'infra';
  return { id: `${envId}_${suffix}`, name: `${envId}-${suffix}` };
}

function cdModuleInfo(plan: ExecutionPlan, t: number): CdModuleInfoJson | undefined {
  const cd = plan.cd;
  if (!cd) return undefined;
  const started = plan.groups
    .flatMap((g) => g.stages)
    .filter((s) => s.spec.env && stageStateAt(plan, s, t).status !== 'NotStarted')
    .map((s) => s.spec.env)
    .filter((env) => env !== undefined);
  if (started.length === 0) return undefined;
  const uniq = <T>(items: T[]): T[] => [...new Set(items)];
  return {
    __recast: RECAST.cdPipeline,
    serviceIdentifiers: [cd.service.identifier],
    envIdentifiers: uniq(started.map((e) => e.identifier)),
    serviceDefinitionTypes: [cd.service.deploymentType],
    environmentTypes: uniq(started.map((e) => e.type)),
    infrastructureTypes: [cd.service.infrastructureType],
    infrastructureIdentifiers: uniq(started.map((e) => infraOf(plan, e.identifier).id)),
    infrastructureNames: uniq(started.map((e) => infraOf(plan, e.identifier).name)),
    artifactDisplayNames: [`${cd.service.imagePath}:${cd.tag}`],
    envGroupIdentifiers: [],
  };
}

export function stageCdInfo(plan: ExecutionPlan, stage: StagePlan): StageCdInfoJson | undefined {
  const cd = plan.cd;
  const env = stage.spec.env;
  if (!cd || !env) return undefined;
  return {
    __recast: RECAST.cdStage,
    serviceInfo: {
      __recast: RECAST.service,
      identifier: cd.service.identifier,
      displayName: cd.service.name,
      deploymentType: cd.service.deploymentType,
      artifacts: {
        __recast: RECAST.artifacts,
        primary: { __recast: RECAST.docker, imagePath: cd.service.imagePath, tag: cd.tag },
        sidecars: [],
      },
    },
    infraExecutionSummary: { __recast: RECAST.infra, identifier: env.identifier, name: env.name, type: env.type },
  };
}
