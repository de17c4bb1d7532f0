// `/v1` ("beta" REST, harness-openapi-go-client next-harness/api/swagger.yaml @1f311e52):
// GET /v1/orgs and GET /v1/orgs/{org}/projects. Bodies are bare arrays; paging is in headers.

import { canSeeOrg, canSeeProject } from './auth.js';
import { accountScope, authenticateV1, checkPermission, type Reply, type RouteContext } from './context.js';
import { accessDenied, invalidRequest, notFound } from './errors.js';
import type { Org, Project } from './model.js';
import { all, bool, boundedInt, first, matchesSearch } from './params.js';
import { slice, v1Headers } from './paging.js';

/** Known Harness module types, for validating `module_type` / `moduleType`. */
export const MODULE_TYPES = [
  'CD',
  'CI',
  'CV',
  'CF',
  'CE',
  'STO',
  'CHAOS',
  'SRM',
  'IACM',
  'CET',
  'IDP',
  'CODE',
  'SSCA',
  'SEI',
];

/** The organization fields `/v1` (as `org`) and NG (as `organization`) both render. */
export function orgFields(o: Org): Record<string, unknown> {
  return { identifier: o.identifier, name: o.name, description: o.description, tags: { ...o.tags } };
}

/** The project fields `/v1` and NG both render, after the org's key (`org` in `/v1`, `orgIdentifier` in NG). */
export function projectFields(p: Project): Record<string, unknown> {
  return {
    identifier: p.identifier,
    name: p.name,
    color: p.color,
    modules: [...p.modules],
    description: p.description,
    tags: { ...p.tags },
  };
}

type Sortable = Pick<Org, 'identifier' | 'name' | 'created' | 'updated'>;

/** Sorts by `sort` (name|identifier|created|updated) and `order` (ASC|DESC); the spec gives no default, the fake uses identifier ASC. */
function sortV1<T extends Sortable>(ctx: RouteContext, items: T[]): T[] {
  const field = first(ctx.query, 'sort') ?? 'identifier';
  const order = (first(ctx.query, 'order') ?? 'ASC').toUpperCase();
  if (!['name', 'identifier', 'created', 'updated'].includes(field)) {
    throw invalidRequest(`sort must be one of [name, identifier, created, updated], got "${field}"`);
  }
  if (order !== 'ASC' && order !== 'DESC') throw invalidRequest(`order must be ASC or DESC, got "${order}"`);
  const key = field as keyof Sortable;
  const dir = order === 'ASC' ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return dir * c || a.identifier.localeCompare(b.identifier);
  });
}

function pageV1<T>(ctx: RouteContext, items: T[]): Reply {
  const page = boundedInt(ctx.query, { name: 'page', fallback: 0, min: 0 });
  const limit = boundedInt(ctx.query, { name: 'limit', fallback: 20, min: 1, max: 100 });
  const { items: content, total } = slice(items, page, limit);
  return { body: content, headers: v1Headers(ctx.url, total, page, limit) };
}

export function listOrgsV1(ctx: RouteContext): Reply {
  const key = authenticateV1(ctx);
  const scope = { resourceScope: accountScope(ctx), resourceType: 'ORGANIZATION' as const, resourceIdentifier: null };
  const allowed = checkPermission(ctx, key, 'core_organization_view', scope, 'organization') === 'allowed';
  const wanted = all(ctx.query, 'org');
  const term = first(ctx.query, 'search_term');
  const orgs = ctx.data.orgs.filter(
    (o) =>
      allowed &&
      canSeeOrg(key, o.identifier) &&
      (wanted.length === 0 || wanted.includes(o.identifier)) &&
      matchesSearch(term, o.identifier, o.name),
  );
  return pageV1(
    ctx,
    sortV1(ctx, orgs).map((o) => ({
      org: orgFields(o),
      created: o.created,
      updated: o.updated,
      harness_managed: o.harnessManaged,
    })),
  );
}

/** `has_module` (default true) with `module_type` keeps projects with (or, when false, without) that module. */
export function moduleFilter(hasModule: boolean, moduleType: string | undefined): (p: Project) => boolean {
  if (!moduleType) return () => true;
  const type = moduleType.toUpperCase();
  if (!MODULE_TYPES.includes(type)) throw invalidRequest(`Invalid module type: ${moduleType}`);
  return (p) => (p.modules as string[]).includes(type) === hasModule;
}

export function listProjectsV1(ctx: RouteContext, params: readonly string[]): Reply {
  const key = authenticateV1(ctx);
  const org = params[0] ?? '';
  const scope = { resourceScope: accountScope(ctx, org), resourceType: 'PROJECT' as const, resourceIdentifier: null };
  const allowed = checkPermission(ctx, key, 'core_project_view', scope, 'project') === 'allowed';
  if (!ctx.data.orgs.some((o) => o.identifier === org)) {
    throw notFound(`Organization with identifier [${org}] not found`);
  }
  // A key scoped to other orgs has no project view in this one.
  if (!canSeeOrg(key, org) && ctx.deniedLists === 'forbid') {
    throw accessDenied({ ...scope, permission: 'core_project_view' }, 'project');
  }
  const wanted = all(ctx.query, 'project');
  const term = first(ctx.query, 'search_term');
  const byModule = moduleFilter(bool(ctx.query, 'has_module', true), first(ctx.query, 'module_type'));
  const favoritesOnly = bool(ctx.query, 'only_favorites', false);
  const projects = ctx.data.projects.filter(
    (p) =>
      allowed &&
      !favoritesOnly &&
      p.org === org &&
      canSeeProject(key, org, p.identifier) &&
      (wanted.length === 0 || wanted.includes(p.identifier)) &&
      matchesSearch(term, p.identifier, p.name) &&
      byModule(p),
  );
  return pageV1(
    ctx,
    sortV1(ctx, projects).map((p) => ({
      project: { org: p.org, ...projectFields(p) },
      created: p.created,
      updated: p.updated,
      isFavorite: false,
    })),
  );
}
