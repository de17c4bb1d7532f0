// Issues as `GET /projects/:id/issues` lists them (`Entities::Issue`), incidents included: the shape of the
// recorded item in fixtures/recorded-items.json, with `issue_type`, the upper-case work item `type` and the
// `severity` (UNKNOWN on plain issues).

import type { Issue } from './model.js';
import { userBasic, type Json } from './render-user.js';
import { iso, isoOrNull } from './time.js';

export function issueJson(issue: Issue, base: string): Json {
  const { project } = issue;
  const api = `${base}/api/v4/projects/${project.id}`;
  const assignees = issue.assignees.map((u) => userBasic(u, base));
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: project.id,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    created_at: iso(issue.createdAt),
    updated_at: iso(issue.updatedAt),
    closed_at: isoOrNull(issue.closedAt),
    closed_by: issue.closedBy ? userBasic(issue.closedBy, base) : null,
    labels: issue.labels,
    milestone: null,
    assignees,
    author: userBasic(issue.author, base),
    type: issue.type.toUpperCase(),
    assignee: assignees[0] ?? null,
    user_notes_count: 0,
    merge_requests_count: 0,
    upvotes: 0,
    downvotes: 0,
    due_date: null,
    confidential: false,
    discussion_locked: null,
    issue_type: issue.type,
    web_url: `${base}/${project.pathWithNamespace}/-/issues/${issue.iid}`,
    time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
    task_completion_status: { count: 0, completed_count: 0 },
    weight: null,
    blocking_issues_count: 0,
    has_tasks: false,
    _links: {
      self: `${api}/issues/${issue.iid}`,
      notes: `${api}/issues/${issue.iid}/notes`,
      award_emoji: `${api}/issues/${issue.iid}/award_emoji`,
      project: api,
      closed_as_duplicate_of: null,
    },
    references: {
      short: `#${issue.iid}`,
      relative: `#${issue.iid}`,
      full: `${project.pathWithNamespace}#${issue.iid}`,
    },
    severity: issue.severity,
    moved_to_id: null,
    imported: false,
    imported_from: 'none',
    service_desk_reply_to: null,
    epic_iid: null,
    epic: null,
    iteration: null,
    health_status: null,
  };
}
