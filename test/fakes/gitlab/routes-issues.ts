// Issues of a project, incidents included (`issue_type=incident`). Filters are server-side and
// `updated_after`/`created_after` include the bound (`>=`). A project whose issues feature is off lists
// nothing with a 200, as GitLab's IssuesFinder drops a project the caller may not read issues of.

import { findProject, paged, requireUser, type Handler } from './context.js';
import type { Issue } from './model.js';
import { inRange, SORTS, sortBy } from './params.js';
import { issueJson } from './render-issue.js';

const STATES = ['opened', 'closed', 'all'] as const;
const TYPES = ['issue', 'incident', 'test_case', 'task'] as const;
const SCOPES = ['created_by_me', 'assigned_to_me', 'all', 'created-by-me', 'assigned-to-me'] as const;
// Every documented order; those the fake has no data for (priorities, due dates, weights...) sort by id.
const ORDER = [
  'created_at',
  'updated_at',
  'title',
  'priority',
  'due_date',
  'relative_position',
  'label_priority',
  'milestone_due',
  'popularity',
  'weight',
] as const;

const ORDER_KEYS: Partial<Record<(typeof ORDER)[number], (i: Issue) => number | string>> = {
  created_at: (i) => i.createdAt,
  updated_at: (i) => i.updatedAt,
  title: (i) => i.title,
};

export const listIssues: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const state = p.oneOf('state', STATES, 'all');
  const type = p.oneOf('issue_type', TYPES);
  const scope = p.oneOf('scope', SCOPES, 'all').replace(/-/g, '_');
  const orderBy = p.oneOf('order_by', ORDER, 'created_at');
  const sort = p.oneOf('sort', SORTS, 'desc');
  const updated = p.timeRange('updated');
  const created = p.timeRange('created');
  const iids = p.list('iids').map(Number);
  // `labels`: the issue must carry all of them (GitLab compares label names without case).
  const labels = p.list('labels').map((l) => l.toLowerCase());
  const author = p.string('author_username');
  const search = p.string('search')?.toLowerCase();
  p.done();
  const project = findProject(ctx, caller, id);
  if (!project.issuesEnabled) return paged(ctx, [], () => null);
  const rows = project.issues.filter(
    (i) =>
      !i.deleted &&
      (state === 'all' || i.state === state) &&
      (!type || i.type === type) &&
      (scope !== 'created_by_me' || i.author.id === caller.user.id) &&
      (scope !== 'assigned_to_me' || i.assignees.some((u) => u.id === caller.user.id)) &&
      inRange(updated, i.updatedAt) &&
      inRange(created, i.createdAt) &&
      (iids.length === 0 || iids.includes(i.iid)) &&
      labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)) &&
      (!author || i.author.username === author) &&
      (!search || `${i.title}\n${i.description}`.toLowerCase().includes(search)),
  );
  const key = ORDER_KEYS[orderBy] ?? ((i: Issue) => i.id);
  return paged(ctx, sortBy(rows, key, sort), (i) => issueJson(i, ctx.base));
};
