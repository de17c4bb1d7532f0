// Merge requests of a project, one merge request, its commits and its notes. Filters are server-side and
// `updated_after`/`created_after` include the bound (`>=`), so a cursor sync sees boundary rows again.

import { authorizedProject, findLive, paged, requireUser, type Handler, type RouteContext } from './context.js';
import { ACCESS, type MergeRequest } from './model.js';
import { inRange, SORTS, sortBy } from './params.js';
import { commitJson } from './render-commit.js';
import { mrBasic, mrDetail, noteJson } from './render-mr.js';
import { accessLevel } from './structure.js';
import { iso } from './time.js';

const STATES = ['opened', 'closed', 'locked', 'merged', 'all'] as const;
const ORDER = ['created_at', 'updated_at', 'title', 'merged_at'] as const;

/** The sort key of each `order_by`. */
const ORDER_KEYS: Record<(typeof ORDER)[number], (mr: MergeRequest) => number | string> = {
  created_at: (mr) => mr.createdAt,
  updated_at: (mr) => mr.updatedAt,
  title: (mr) => mr.title,
  merged_at: (mr) => mr.mergedAt ?? 0,
};

function mergeRequestOf(ctx: RouteContext, id: string, iid: string) {
  const caller = requireUser(ctx);
  ctx.params.done();
  const project = authorizedProject(ctx, caller, id, 'read_merge_request');
  const mr = findLive(project.mergeRequests, (m) => String(m.iid) === iid);
  return { caller, project, mr };
}

export const listMergeRequests: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const state = p.oneOf('state', STATES, 'all');
  const orderBy = p.oneOf('order_by', ORDER, 'created_at');
  const sort = p.oneOf('sort', SORTS, 'desc');
  const updated = p.timeRange('updated');
  const created = p.timeRange('created');
  const simple = p.oneOf('view', ['simple'] as const) === 'simple';
  const iids = p.list('iids').map(Number);
  const source = p.string('source_branch');
  const target = p.string('target_branch');
  const author = p.string('author_username');
  p.done();
  const project = authorizedProject(ctx, caller, id, 'read_merge_request');
  const rows = project.mergeRequests.filter(
    (mr) =>
      !mr.deleted &&
      (state === 'all' || mr.state === state) &&
      inRange(updated, mr.updatedAt) &&
      inRange(created, mr.createdAt) &&
      (iids.length === 0 || iids.includes(mr.iid)) &&
      (!source || mr.sourceBranch === source) &&
      (!target || project.defaultBranch === target) &&
      (!author || mr.author.username === author),
  );
  return paged(ctx, sortBy(rows, ORDER_KEYS[orderBy], sort), (mr) =>
    simple ? simpleView(mr, ctx.base) : mrBasic(mr, ctx.base, ctx.now),
  );
};

function simpleView(mr: MergeRequest, base: string) {
  const path = mr.project.pathWithNamespace;
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.project.id,
    title: mr.draft ? `Draft: ${mr.title}` : mr.title,
    description: mr.description,
    state: mr.state,
    created_at: iso(mr.createdAt),
    updated_at: iso(mr.updatedAt),
    web_url: `${base}/${path}/-/merge_requests/${mr.iid}`,
  };
}

export const getMergeRequest: Handler = (ctx, [id = '', iid = '']) => {
  const { caller, project, mr } = mergeRequestOf(ctx, id, iid);
  return { body: mrDetail(mr, ctx.base, ctx.now, accessLevel(caller.user, project) >= ACCESS.developer) };
};

/** Newest first, as GitLab lists a merge request's commits. */
export const listMergeRequestCommits: Handler = (ctx, [id = '', iid = '']) => {
  const { project, mr } = mergeRequestOf(ctx, id, iid);
  return paged(ctx, [...mr.commits].reverse(), (c) => commitJson(c, project, ctx.base));
};

export const listMergeRequestNotes: Handler = (ctx, [id = '', iid = '']) => {
  const sort = ctx.params.oneOf('sort', SORTS, 'desc');
  const orderBy = ctx.params.oneOf('order_by', ['created_at', 'updated_at'] as const, 'created_at');
  const { mr } = mergeRequestOf(ctx, id, iid);
  const updated = (n: MergeRequest['notes'][number]) =>
    n.resolvedAt !== null && n.resolvedAt <= ctx.now ? n.resolvedAt : n.createdAt;
  const rows = sortBy(mr.notes, (n) => (orderBy === 'updated_at' ? updated(n) : n.createdAt), sort);
  return paged(ctx, rows, (n) => noteJson(n, mr, ctx.base, ctx.now));
};
