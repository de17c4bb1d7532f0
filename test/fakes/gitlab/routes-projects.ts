// Groups and projects: `/groups`, `/groups/:id`, `/groups/:id/projects`, `/projects` (offset or keyset
// paging) and `/projects/:id`. Lists show only what the caller may see; private projects of others are
// absent from lists and 404 when named.

import type { Caller } from './auth.js';
import { findProject, paged, requireUser, type Handler, type Reply, type RouteContext } from './context.js';
import { notFound, offsetCapExceeded } from './errors.js';
import type { Group, Project } from './model.js';
import { keysetPage, pageRequest } from './paging.js';
import { SORTS, sortBy } from './params.js';
import { canSeeProject } from './policy.js';
import { groupJson, projectFull, projectSimple } from './render-project.js';
import { accessLevel, groupAccessLevel } from './structure.js';

const LEVELS = ['5', '10', '15', '20', '30', '40', '50'] as const;
const PROJECT_ORDER = [
  'id',
  'name',
  'path',
  'created_at',
  'updated_at',
  'last_activity_at',
  'star_count',
  'similarity',
] as const;

/** The sort key of each `order_by` of project lists (stars are made up; similarity falls back to id). */
const PROJECT_ORDER_KEYS: Record<(typeof PROJECT_ORDER)[number], (project: Project) => number | string> = {
  id: (project) => project.id,
  name: (project) => project.name.toLowerCase(),
  path: (project) => project.path,
  created_at: (project) => project.createdAt,
  updated_at: (project) => project.lastActivityAt,
  last_activity_at: (project) => project.lastActivityAt,
  star_count: (project) => project.id % 7,
  similarity: (project) => project.id,
};

function checkOffset(ctx: RouteContext, type: string): void {
  const { page, perPage } = pageRequest(ctx.params);
  if ((page - 1) * perPage >= ctx.maxOffset) throw offsetCapExceeded(ctx.maxOffset, type);
}

function isInside(group: Group, ancestor: Group): boolean {
  for (let g: Group | null = group; g; g = g.parent) if (g === ancestor) return true;
  return false;
}

function canSeeGroup(ctx: RouteContext, caller: Caller, group: Group): boolean {
  if (group.visibility !== 'private' || groupAccessLevel(caller.user, group) > 0) return true;
  return ctx.world.projects.some(
    (p) => isInside(p.group, group) && canSeeProject(caller.user, p) && accessLevel(caller.user, p) > 0,
  );
}

/** Shared filters, order and paging of project lists. */
function projectList(ctx: RouteContext, caller: Caller, candidates: readonly Project[]): Reply {
  const p = ctx.params;
  const membership = p.bool('membership');
  const simple = p.bool('simple');
  const archived = p.bool('archived');
  const minLevel = p.oneOf('min_access_level', LEVELS);
  const activeAfter = p.dateTime('last_activity_after');
  const activeBefore = p.dateTime('last_activity_before');
  const visibility = p.oneOf('visibility', ['private', 'internal', 'public'] as const);
  const search = p.string('search')?.toLowerCase();
  const orderBy = p.oneOf('order_by', PROJECT_ORDER, 'created_at');
  const sort = p.oneOf('sort', SORTS, 'desc');
  const keyset = p.oneOf('pagination', ['keyset', 'offset'] as const, 'offset') === 'keyset';
  p.done();
  const user = caller.user;
  const rows = candidates.filter(
    (project) =>
      canSeeProject(user, project) &&
      (!membership || accessLevel(user, project) > 0) &&
      (minLevel === undefined || accessLevel(user, project) >= Number(minLevel)) &&
      (archived === undefined || project.archived === archived) &&
      (activeAfter === undefined || project.lastActivityAt >= activeAfter) &&
      (activeBefore === undefined || project.lastActivityAt <= activeBefore) &&
      (visibility === undefined || project.visibility === visibility) &&
      (!search || project.name.toLowerCase().includes(search) || project.path.includes(search)),
  );
  const sorted = sortBy(rows, PROJECT_ORDER_KEYS[orderBy], sort);
  const render = (project: Project) =>
    simple ? projectSimple(project, ctx.base) : projectFull(project, ctx.base, user);
  if (keyset) {
    const page = keysetPage(sorted, p, ctx.url, sort, orderBy);
    return { body: page.items.map(render), headers: page.headers };
  }
  checkOffset(ctx, 'Project');
  return paged(ctx, sorted, render);
}

export const listProjects: Handler = (ctx) => {
  const caller = requireUser(ctx);
  return projectList(ctx, caller, ctx.world.projects);
};

export const getProject: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  ctx.params.done();
  return { body: projectFull(findProject(ctx, caller, id), ctx.base, caller.user) };
};

function findGroup(ctx: RouteContext, caller: Caller, key: string): Group {
  const group = ctx.world.group(key);
  if (!group || !canSeeGroup(ctx, caller, group)) throw notFound('Group');
  return group;
}

export const listGroups: Handler = (ctx) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const allAvailable = p.bool('all_available') ?? false;
  const minLevel = p.oneOf('min_access_level', LEVELS);
  const topLevel = p.bool('top_level_only') ?? false;
  const owned = p.bool('owned') ?? false;
  const search = p.string('search')?.toLowerCase();
  const orderBy = p.oneOf('order_by', ['name', 'path', 'id', 'similarity'] as const, 'name');
  const sort = p.oneOf('sort', SORTS, 'asc');
  p.done();
  checkOffset(ctx, 'Group');
  const user = caller.user;
  const rows = ctx.world.groups.filter((g) => {
    const level = groupAccessLevel(user, g);
    const mine = level > 0 || ctx.world.projects.some((pr) => pr.group === g && pr.members.has(user.id) && !pr.deleted);
    return (
      (allAvailable ? canSeeGroup(ctx, caller, g) : mine) &&
      (minLevel === undefined || level >= Number(minLevel)) &&
      (!owned || level >= 50) &&
      (!topLevel || g.parent === null) &&
      (!search || g.name.toLowerCase().includes(search) || g.path.includes(search))
    );
  });
  const key = (g: Group): string | number =>
    orderBy === 'id' ? g.id : orderBy === 'path' ? g.path : g.name.toLowerCase();
  return paged(ctx, sortBy(rows, key, sort), (g) => groupJson(g, ctx.base));
};

export const getGroup: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  ctx.params.done();
  const group = findGroup(ctx, caller, id);
  const projects = ctx.world.projects.filter((p) => p.group === group && canSeeProject(caller.user, p));
  return {
    body: {
      ...groupJson(group, ctx.base),
      shared_with_groups: [],
      prevent_sharing_groups_outside_hierarchy: false,
      projects: projects.map((p) => projectFull(p, ctx.base, caller.user)),
      shared_projects: [],
    },
  };
};

export const listGroupProjects: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const subgroups = ctx.params.bool('include_subgroups') ?? false;
  const group = findGroup(ctx, caller, id);
  const candidates = ctx.world.projects.filter((p) => (subgroups ? isInside(p.group, group) : p.group === group));
  return projectList(ctx, caller, candidates);
};
