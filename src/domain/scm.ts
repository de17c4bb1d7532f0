// Source control in canonical form, from any connector: what the store writes.

/** A repository (GitLab project). `repoKey` is the upstream's stable id. */
export interface DomainRepo {
  repoKey: string;
  fullPath: string;
  name: string;
  defaultBranch: string | null;
  webUrl: string | null;
  visibility: string | null;
  archived: boolean;
  createdAt: Date | null;
  lastActivityAt: Date | null;
}

/** A deployment environment of a repository, with its tier (production, staging, testing, development, other). */
export interface DomainEnvironment {
  repoKey: string;
  envKey: string;
  name: string;
  tier: string | null;
  state: string | null;
  externalUrl: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** A repository the upstream stopped answering for: deleted, or no longer visible to the credentials. */
export interface GoneRepo {
  repoKey: string;
  reason: string;
}

export interface DomainCommit {
  repoKey: string;
  sha: string;
  title: string | null;
  message: string | null;
  authorName: string | null;
  authorEmail: string | null;
  authoredAt: Date | null;
  committerName: string | null;
  committerEmail: string | null;
  committedAt: Date | null;
  parentShas: string[];
  additions: number | null;
  deletions: number | null;
  webUrl: string | null;
  /** Seen on the default branch, not only inside a merge request. */
  onDefaultBranch: boolean;
}

export type MergeRequestEventKind = 'comment' | 'approval' | 'unapproval' | 'system';

export interface MergeRequestEvent {
  eventKey: string;
  kind: MergeRequestEventKind;
  actor: string | null;
  createdAt: Date;
  body: string | null;
}

export interface DomainMergeRequest {
  repoKey: string;
  mrKey: string;
  upstreamId: string | null;
  title: string;
  state: string;
  draft: boolean;
  author: string | null;
  sourceBranch: string | null;
  targetBranch: string | null;
  headSha: string | null;
  mergeCommitSha: string | null;
  squashCommitSha: string | null;
  createdAt: Date;
  updatedAt: Date;
  mergedAt: Date | null;
  closedAt: Date | null;
  mergedBy: string | null;
  labels: string[];
  webUrl: string | null;
  /** Its commits, oldest first, with what is known of each (they are stored as commits too). */
  commits: DomainCommit[];
  events: MergeRequestEvent[];
}

/** Review timings of a merge request, from its events and commits. Pure. */
export function reviewSummary(mr: DomainMergeRequest): {
  firstCommitAt: Date | null;
  firstReviewAt: Date | null;
  firstApprovalAt: Date | null;
  approvals: number;
  reviewComments: number;
  reviewers: string[];
} {
  const byOthers = mr.events.filter((e) => e.actor !== null && e.actor !== mr.author);
  const reviews = byOthers.filter((e) => e.kind === 'comment' || e.kind === 'approval');
  const approvals = byOthers.filter((e) => e.kind === 'approval');
  // Who approves in the end: an unapproval after someone's approval withdraws it.
  const approvers = new Set<string>();
  for (const e of [...byOthers].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    if (e.kind === 'approval') approvers.add(e.actor!);
    else if (e.kind === 'unapproval') approvers.delete(e.actor!);
  }
  const earliest = (dates: (Date | null)[]): Date | null =>
    dates.reduce<Date | null>((min, d) => (d !== null && (min === null || d < min) ? d : min), null);
  return {
    firstCommitAt: earliest(mr.commits.map((c) => c.authoredAt ?? c.committedAt)),
    firstReviewAt: earliest(reviews.map((e) => e.createdAt)),
    firstApprovalAt: earliest(approvals.map((e) => e.createdAt)),
    approvals: approvers.size,
    reviewComments: byOthers.filter((e) => e.kind === 'comment').length,
    reviewers: [...new Set(reviews.map((e) => e.actor!))].sort(),
  };
}
