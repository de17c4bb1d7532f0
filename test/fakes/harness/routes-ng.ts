// Legacy NG platform lists (harness-go-sdk; what the faros NG migration branch calls):
// GET /ng/api/organizations and GET /ng/api/projects, as ResponseDTO<PageResponse>.

import { canSeeOrg, canSeeProject } from './auth.js';
import { accountScope, authenticate, checkPermission, responseDto, type Reply, type RouteContext } from './context.js';
import type { Org, Project } from './model.js';
import { all, bool, boundedInt, first, matchesSearch, required } from './params.js';
import { ngPage, slice } from './paging.js';
import { moduleFilter, orgFields, projectFields } from './routes-v1.js';

/** NG lists default to the most recently modified first. */
const byLastModified = <T extends Pick<Org, 'updated' | 'identifier'>>(a: T, b: T): number =>
  b.updated - a.updated || a.identifier.localeCompare(b.identifier);

function pageNg<T>(ctx: RouteContext, items: T[]): Reply {
  const pageIndex = boundedInt(ctx.query, { name: 'pageIndex', fallback: 0, min: 0 });
  const pageSize = boundedInt(ctx.query, { name: 'pageSize', fallback: 50, min: 1 });
  const { items: content, total } = slice(items, pageIndex, pageSize);
  return responseDto(ngPage(content, total, pageIndex, pageSize));
}

export function listOrgsNg(ctx: RouteContext): Reply {
  const key = authenticate(ctx, first(ctx.query, 'accountIdentifier'));
  required(ctx.query, 'accountIdentifier');
  const scope = { resourceScope: accountScope(ctx), resourceType: 'ORGANIZATION' as const, resourceIdentifier: null };
  const allowed = checkPermission(ctx, key, 'core_organization_view', scope, 'organization') === 'allowed';
  const wanted = all(ctx.query, 'identifiers');
  const term = first(ctx.query, 'searchTerm');
  const orgs = ctx.data.orgs
    .filter(
      (o) =>
        allowed &&
        canSeeOrg(key, o.identifier) &&
        (wanted.length === 0 || wanted.includes(o.identifier)) &&
        matchesSearch(term, o.identifier, o.name),
    )
    .sort(byLastModified);
  return pageNg(
    ctx,
    orgs.map((o) => ({
      organization: orgFields(o),
      createdAt: o.created,
      lastModifiedAt: o.updated,
      harnessManaged: o.harnessManaged,
    })),
  );
}

export function listProjectsNg(ctx: RouteContext): Reply {
  const key = authenticate(ctx, first(ctx.query, 'accountIdentifier'));
  required(ctx.query, 'accountIdentifier');
  const org = first(ctx.query, 'orgIdentifier');
  const scope = {
    resourceScope: accountScope(ctx, org ?? null),
    resourceType: 'PROJECT' as const,
    resourceIdentifier: null,
  };
  const allowed = checkPermission(ctx, key, 'core_project_view', scope, 'project') === 'allowed';
  const wanted = all(ctx.query, 'identifiers');
  const term = first(ctx.query, 'searchTerm');
  const byModule = moduleFilter(bool(ctx.query, 'hasModule', true), first(ctx.query, 'moduleType'));
  const projects = ctx.data.projects
    .filter(
      (p: Project) =>
        allowed &&
        (org === undefined || p.org === org) &&
        canSeeProject(key, p.org, p.identifier) &&
        (wanted.length === 0 || wanted.includes(p.identifier)) &&
        matchesSearch(term, p.identifier, p.name) &&
        byModule(p),
    )
    .sort(byLastModified);
  return pageNg(
    ctx,
    projects.map((p) => ({
      project: { orgIdentifier: p.org, ...projectFields(p) },
      createdAt: p.created,
      lastModifiedAt: p.updated,
    })),
  );
}
