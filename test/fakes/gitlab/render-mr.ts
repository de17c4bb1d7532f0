// Merge requests (`MergeRequestBasic` in lists, the fuller single-MR object) and their notes. MR state
// is what the simulation made of it up to the clock; review threads resolve at their planned time.

import type { MergeRequest, Note, Pipeline } from './model.js';
import { pipelineBasic, pipelineDetail, pipelineStatus } from './render-pipeline.js';
import { userBasic, type Json } from './render-user.js';
import { firstAt } from './status.js';
import { iso, isoOrNull } from './time.js';

function headPipeline(mr: MergeRequest, t: number): Pipeline | null {
  return mr.pipelines.filter((p) => !p.deleted && p.spec.createdAt <= t).at(-1) ?? null;
}

function unresolved(mr: MergeRequest, t: number): boolean {
  return mr.notes.some((n) => n.resolvable && (n.resolvedAt === null || n.resolvedAt > t));
}

function detailedMergeStatus(mr: MergeRequest, t: number): string {
  if (mr.state !== 'opened') return 'not_open';
  if (mr.draft) return 'draft_status';
  const head = headPipeline(mr, t);
  const status = head ? pipelineStatus(head, t) : null;
  if (status === 'running' || status === 'pending' || status === 'created') return 'ci_still_running';
  if (status === 'failed' || status === 'canceled') return 'ci_must_pass';
  if (unresolved(mr, t)) return 'discussions_not_resolved';
  return mr.approvedBy.length === 0 ? 'not_approved' : 'mergeable';
}

export function mrBasic(mr: MergeRequest, base: string, t: number): Json {
  const { project } = mr;
  const user = (u: MergeRequest['author'] | null) => (u ? userBasic(u, base) : null);
  const full = `${project.pathWithNamespace}!${mr.iid}`;
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: project.id,
    title: mr.draft ? `Draft: ${mr.title}` : mr.title,
    description: mr.description,
    state: mr.state,
    created_at: iso(mr.createdAt),
    updated_at: iso(mr.updatedAt),
    merged_by: user(mr.mergedBy),
    merge_user: user(mr.mergedBy),
    merged_at: isoOrNull(mr.mergedAt),
    merge_after: null,
    prepared_at: iso(mr.createdAt + 4000),
    closed_by: user(mr.closedBy),
    closed_at: isoOrNull(mr.closedAt),
    target_branch: project.defaultBranch,
    source_branch: mr.sourceBranch,
    user_notes_count: mr.notes.filter((n) => !n.system).length,
    upvotes: 0,
    downvotes: 0,
    author: userBasic(mr.author, base),
    assignees: [userBasic(mr.author, base)],
    assignee: userBasic(mr.author, base),
    reviewers: mr.reviewers.map((r) => userBasic(r, base)),
    source_project_id: project.id,
    target_project_id: project.id,
    labels: mr.labels,
    draft: mr.draft,
    imported: false,
    imported_from: 'none',
    work_in_progress: mr.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: detailedMergeStatus(mr, t),
    sha: mr.commits.at(-1)?.sha ?? mr.baseSha,
    merge_commit_sha: mr.mergeCommit?.sha ?? null,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: true,
    reference: `!${mr.iid}`,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full },
    web_url: `${base}/${project.pathWithNamespace}/-/merge_requests/${mr.iid}`,
    time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: !unresolved(mr, t),
    approvals_before_merge: 0,
  };
}

/** `GET /merge_requests/:iid`: the list fields plus pipelines, diff refs and counters. */
export function mrDetail(mr: MergeRequest, base: string, t: number, canMerge: boolean): Json {
  const head = headPipeline(mr, t);
  const files = new Set(mr.commits.map((c) => c.sha.charCodeAt(0) % 9)).size + 1;
  return {
    ...mrBasic(mr, base, t),
    subscribed: false,
    changes_count: String(files),
    latest_build_started_at: head ? isoOrNull(firstAt(head.transitions, 'running', t)) : null,
    latest_build_finished_at: head ? (pipelineDetail(head, base, t).finished_at as string | null) : null,
    first_deployed_to_production_at: null,
    pipeline: head ? pipelineBasic(head, base, t) : null,
    head_pipeline: head ? pipelineDetail(head, base, t) : null,
    diff_refs: { base_sha: mr.baseSha, head_sha: mr.commits.at(-1)?.sha ?? mr.baseSha, start_sha: mr.baseSha },
    merge_error: null,
    first_contribution: false,
    user: { can_merge: canMerge },
  };
}

export function noteJson(note: Note, mr: MergeRequest, base: string, t: number): Json {
  const resolved = note.resolvedAt !== null && note.resolvedAt <= t;
  const head = mr.commits.filter((c) => c.committedAt <= note.createdAt).at(-1)?.sha ?? mr.baseSha;
  return {
    id: note.id,
    type: note.type,
    body: note.body,
    attachment: null,
    author: userBasic(note.author, base),
    created_at: iso(note.createdAt),
    updated_at: iso(resolved && note.resolvedAt !== null ? note.resolvedAt : note.createdAt),
    system: note.system,
    noteable_id: mr.id,
    noteable_type: 'MergeRequest',
    project_id: mr.project.id,
    ...(note.position
      ? {
          position: {
            base_sha: mr.baseSha,
            start_sha: mr.baseSha,
            head_sha: head,
            old_path: note.position.path,
            new_path: note.position.path,
            position_type: 'text',
            old_line: null,
            new_line: note.position.line,
            line_range: null,
          },
        }
      : {}),
    resolvable: note.resolvable,
    ...(note.resolvable
      ? {
          resolved,
          resolved_by: resolved && note.resolvedBy ? userBasic(note.resolvedBy, base) : null,
          resolved_at: resolved ? isoOrNull(note.resolvedAt) : null,
        }
      : {}),
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
    noteable_iid: mr.iid,
    commands_changes: {},
  };
}
