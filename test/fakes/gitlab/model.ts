// The fake's internal model. Structure (users, groups, projects, environments, memberships) is built
// once; history (commits, merge requests, notes, pipelines, deployments) is appended by the simulation
// in time order as the clock moves, so every list is already in creation (= id) order. What changes
// with time inside one pipeline or job is kept as a list of status transitions and rendered at the
// fake's clock (see status.ts).

export const ACCESS = {
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;

export type Visibility = 'private' | 'internal' | 'public';
export type Tier = 'production' | 'staging' | 'testing' | 'development' | 'other';

export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  /** The user's UTC offset in minutes; git dates are rendered in it and work happens in its office hours. */
  tz: number;
  jobTitle: string;
  createdAt: number;
}

export interface Group {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  parent: Group | null;
  description: string;
  visibility: Visibility;
  createdAt: number;
  /** user id → access level of the direct group membership. */
  members: Map<number, number>;
}

export interface Environment {
  id: number;
  name: string;
  tier: Tier;
  externalUrl: string;
  createdAt: number;
}

export interface Commit {
  sha: string;
  title: string;
  message: string;
  author: User;
  committer: User;
  authoredAt: number;
  committedAt: number;
  parents: string[];
  additions: number;
  deletions: number;
}

/** A commit reachable from the default branch, from `visibleAt` (its push or the merge that brought it in). */
export interface MainCommit {
  commit: Commit;
  /** Merge commits and direct pushes: what `first_parent=true` returns. */
  mainline: boolean;
  visibleAt: number;
}

export interface Transition {
  at: number;
  status: string;
}

export type PipelineKind = 'mr' | 'main' | 'schedule' | 'child';
export type PipelineSource = 'push' | 'merge_request_event' | 'schedule' | 'parent_pipeline' | 'web';

/** Everything the job planner needs; the jobs themselves are re-planned from it when rendered. */
export interface PipelineSpec {
  kind: PipelineKind;
  seed: number;
  createdAt: number;
  /** No hard failures (the head pipeline of an MR that gets merged, a hotfix). */
  mustPass: boolean;
  /** A newer push auto-cancels this pipeline at that time, if it is still running. */
  cancelAt: number | null;
  /** The manual production deploy, if someone plays it: after the staging deploy plus `delayMs`. */
  play: { delayMs: number; user: User; outcome: 'success' | 'failed' } | null;
}

export interface Pipeline {
  id: number;
  iid: number;
  project: Project;
  spec: PipelineSpec;
  commit: Commit;
  beforeSha: string;
  ref: string;
  source: PipelineSource;
  user: User;
  mergeRequest: MergeRequest | null;
  parent: Pipeline | null;
  child: Pipeline | null;
  firstJobId: number;
  jobCount: number;
  transitions: Transition[];
  /** When an allow_failure job first failed: a successful run then "passed with warnings". */
  warningsAt: number | null;
  coverage: string | null;
  deleted: boolean;
}

export interface Deployment {
  id: number;
  iid: number;
  project: Project;
  environment: Environment;
  pipeline: Pipeline;
  /** Index of the deploy job in the pipeline's planned jobs. */
  jobIndex: number;
  user: User;
  /** Who played the manual deploy job, and when: the deployment's user from then on. */
  player: { user: User; at: number } | null;
  createdAt: number;
  transitions: Transition[];
  deleted: boolean;
}

export interface Note {
  id: number;
  body: string;
  author: User;
  createdAt: number;
  system: boolean;
  type: null | 'DiffNote' | 'DiscussionNote';
  resolvable: boolean;
  resolvedAt: number | null;
  resolvedBy: User | null;
  position: { path: string; line: number } | null;
}

export type MrState = 'opened' | 'merged' | 'closed';

export interface MergeRequest {
  id: number;
  iid: number;
  project: Project;
  title: string;
  description: string;
  author: User;
  reviewers: User[];
  sourceBranch: string;
  labels: string[];
  createdAt: number;
  updatedAt: number;
  state: MrState;
  draft: boolean;
  /** Commits pushed so far, oldest first. */
  commits: Commit[];
  /** The default branch's head when the branch was cut. */
  baseSha: string;
  notes: Note[];
  approvedBy: User[];
  mergedAt: number | null;
  mergedBy: User | null;
  mergeCommit: Commit | null;
  closedAt: number | null;
  closedBy: User | null;
  pipelines: Pipeline[];
  deleted: boolean;
}

export type IssueType = 'issue' | 'incident';
export type IssueSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** An issue of a project; incidents are issues of type `incident` (with a severity). */
export interface Issue {
  id: number;
  iid: number;
  project: Project;
  type: IssueType;
  title: string;
  description: string;
  author: User;
  assignees: User[];
  labels: string[];
  /** `UNKNOWN` for plain issues, as GitLab shows them. */
  severity: IssueSeverity;
  createdAt: number;
  updatedAt: number;
  state: 'opened' | 'closed';
  closedAt: number | null;
  closedBy: User | null;
  deleted: boolean;
}

export interface Project {
  index: number;
  id: number;
  name: string;
  path: string;
  group: Group;
  pathWithNamespace: string;
  description: string;
  defaultBranch: string;
  visibility: Visibility;
  archived: boolean;
  /** Activity stops here (the archived project's last day). */
  activeUntil: number | null;
  createdAt: number;
  topics: string[];
  environments: Environment[];
  /** "Project-based pipeline visibility": lets Guests and non-members read pipelines and jobs. */
  publicPipelines: boolean;
  /** The issues feature: when off, the issue list answers empty (GitLab's finder drops the project). */
  issuesEnabled: boolean;
  /** Main pipelines trigger a child pipeline through a bridge job. */
  childPipelines: boolean;
  /** Relative amount of work (1 = `pipelinesPerDay`). */
  busyness: number;
  /** user id → direct project membership level. */
  members: Map<number, number>;
  deleted: boolean;
  lastActivityAt: number;
  commits: MainCommit[];
  mergeRequests: MergeRequest[];
  pipelines: Pipeline[];
  deployments: Deployment[];
  /** Issues and incidents, in creation (= iid) order. */
  issues: Issue[];
}
