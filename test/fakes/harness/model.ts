// The fake's internal model: an account's orgs, projects and pipelines, and one plan per execution.
// A plan fixes everything about a run up front (stage timings, outcome, commits); what the API shows
// is rendered from the plan at the fake's current clock, so a Running execution becomes final by
// itself once the clock passes its planned end (see render.ts).

export type ModuleType = 'CD' | 'CI';
export type EnvironmentType = 'Production' | 'PreProduction';
export type TriggerType = 'MANUAL' | 'WEBHOOK' | 'SCHEDULER_CRON';
export type StageKind = 'CI' | 'Deployment' | 'Approval';
export type PipelineFlavor = 'build' | 'pr' | 'nightly' | 'deploy' | 'hotfix';

/** Final outcomes a plan can have (PascalCase, as the API spells them). */
export type FinalStatus = 'Success' | 'Failed' | 'Aborted' | 'Expired' | 'ApprovalRejected';
/** Every status this fake ever shows for an execution or a stage. */
export type ShownStatus = FinalStatus | 'Running' | 'ApprovalWaiting' | 'NotStarted';

export interface Person {
  uuid: string;
  login: string;
  name: string;
  email: string;
}

export interface Org {
  identifier: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  created: number;
  updated: number;
  harnessManaged: boolean;
}

export interface Service {
  identifier: string;
  name: string;
  deploymentType: string;
  infrastructureType: string;
  imagePath: string;
}

export interface Environment {
  identifier: string;
  name: string;
  type: EnvironmentType;
}

export interface Project {
  org: string;
  identifier: string;
  name: string;
  color: string;
  modules: ModuleType[];
  description: string;
  tags: Record<string, string>;
  created: number;
  updated: number;
  repoName: string;
  people: Person[];
  services: Service[];
}

export interface StageSpec {
  identifier: string;
  name: string;
  kind: StageKind;
  env?: Environment;
  minMs: number;
  maxMs: number;
}

export interface Pipeline {
  org: string;
  project: string;
  identifier: string;
  name: string;
  module: 'ci' | 'cd';
  flavor: PipelineFlavor;
  /** Stages in order; a group of more than one stage runs in parallel. */
  groups: StageSpec[][];
  tags: { key: string; value: string }[];
  /** Pipeline timeout, used for the `pipelineTimeoutTs` sort. */
  timeoutMs: number;
  /** runSequence of the first generated execution (runs before the window are not generated). */
  firstRunSequence: number;
}

export interface Commit {
  id: string;
  message: string;
  author: Person;
  timeStamp: number;
}

export interface CiPlan {
  repoName: string;
  branch: string;
  event: 'branch' | 'pullRequest' | null;
  commits: Commit[];
  pullRequest?: { id: number; sourceBranch: string; targetBranch: string; title: string };
  author?: Person;
  /** The head commit even when the run carries no webhook payload (manual, cron). */
  headSha: string;
}

export interface CdPlan {
  service: Service;
  tag: string;
}

export interface StagePlan {
  spec: StageSpec;
  uuid: string;
  /** Offset from the execution start. */
  startOffset: number;
  durationMs: number;
  outcome: FinalStatus | 'NotStarted';
  failureMessage?: string;
}

export interface GroupPlan {
  parallelUuid?: string;
  stages: StagePlan[];
}

export interface TriggerPlan {
  type: TriggerType;
  /** A person's display name for MANUAL runs, the trigger's identifier otherwise. */
  identifier: string;
  uuid?: string;
  email?: string;
}

export interface ExecutionPlan {
  planExecutionId: string;
  pipeline: Pipeline;
  runSequence: number;
  startTs: number;
  createdAt: number;
  /** Planned end; the execution shows as running until the clock reaches it. */
  endTs: number;
  finalStatus: FinalStatus;
  errorMessage?: string;
  groups: GroupPlan[];
  trigger: TriggerPlan;
  ci?: CiPlan;
  cd?: CdPlan;
}

/** The generated account: structure plus every execution plan, ordered by startTs. */
export interface HarnessAccount {
  accountId: string;
  orgs: Org[];
  projects: Project[];
  pipelines: Pipeline[];
  executions: ExecutionPlan[];
}

export const FINAL_STATUSES: readonly FinalStatus[] = ['Success', 'Failed', 'Aborted', 'Expired', 'ApprovalRejected'];
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
