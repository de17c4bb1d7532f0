import type { RunResult } from './results.js';

export interface StepRow {
  name: string;
  description: string | null;
  result: string | null;
  state: string | null;
  durationMs: number | null;
}

export interface StageRow extends StepRow {
  steps: StepRow[];
  /** Upstream stage id and kind (Harness nodeIdentifier / nodeType), when the source has them. */
  identifier?: string | null;
  stageType?: string | null;
  startTime?: Date | null;
  endTime?: Date | null;
}

export interface ArtifactRow {
  input: boolean | null;
  output: boolean | null;
  type: string | null;
  location: string | null;
  name: string | null;
  qualifier: string | null;
  hash: string | null;
  metadata: Record<string, unknown> | null;
}

export interface ParamRow {
  type: string | null;
  name: string;
  value: string | null;
  valueType: 'string' | 'number' | 'boolean' | 'null';
}

/** A commit a run built or shipped; webhook runs know only the SHA. */
export interface CommitRow {
  sha: string;
  message?: string | null;
  author?: string | null;
  authorEmail?: string | null;
  committedAt?: Date | null;
}

/** Where a deployment went: service, environment and its type (Production, PreProduction). */
export interface DeployTargetRow {
  service: string | null;
  environment: string | null;
  environmentType: string | null;
  infrastructure: string | null;
}

/** A CI/CD run in canonical form, from any source: what the store writes. */
export interface DomainRun {
  /** The webhook instance the run came through; null for runs pulled by a connector. */
  instanceGuid: string | null;
  runKey: string;
  executionId: string | null;
  pipeline: string;
  jobFullName: string;
  qualifiedName: string;
  instanceName: string;
  instanceUrl: string | null;
  projectName: string | null;
  userId: string | null;
  repoUrl: string | null;
  buildNumber: string | null;
  branchName: string | null;
  moduleName: string | null;
  result: RunResult;
  resultRaw: string;
  startTime: Date;
  /** Null while the run is still going. */
  endTime: Date | null;
  durationMs: number | null;
  /** How long it waited for a runner before it started, where the source says (GitLab). */
  queuedMs?: number | null;
  ci: boolean | null;
  cd: boolean | null;
  cfrStatus: boolean | null;
  themes: string[];
  webUrl: string | null;
  triggerType?: string | null;
  triggerChain: { id: string; type: string | null }[];
  stages: StageRow[];
  commits: CommitRow[];
  artifacts: ArtifactRow[];
  params: ParamRow[];
  deployTargets?: DeployTargetRow[];
  /** The repository (scm_repos.repo_key) of the same integration the run belongs to, when known. */
  repoKey?: string | null;
}
