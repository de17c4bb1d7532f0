// What a route handler gets and returns, and the checks handlers share, in GitLab's order: authenticate
// (401/403 scope), validate parameters (400), find the project (404), authorize the role (403).

import type { Reply } from '../common/respond.js';
import { READ_SCOPES, type Caller, type Credential, type Scope, type TokenStore } from './auth.js';
import { forbidden, notFound } from './errors.js';
import type { Project } from './model.js';
import { offsetPage, pageRequest } from './paging.js';
import type { Params } from './params.js';
import { can, canSeeProject, type Ability } from './policy.js';
import type { World } from './world.js';

export type { Reply };

export interface RouteContext {
  readonly url: URL;
  readonly params: Params;
  readonly now: number;
  /** The fake's base URL, used for `web_url`s and paging links. */
  readonly base: string;
  readonly world: World;
  readonly tokens: TokenStore;
  readonly credential: Credential;
  readonly totalsThreshold: number;
  readonly maxOffset: number;
  /** Set once the request is authenticated (for the request log). */
  caller: Caller | null;
}

export type Handler = (ctx: RouteContext, args: readonly string[]) => Reply;

export function requireUser(ctx: RouteContext, accepted: readonly Scope[] = READ_SCOPES): Caller {
  ctx.caller = ctx.tokens.authenticate(ctx.credential, accepted, ctx.now);
  return ctx.caller;
}

/** The project named by `:id` (number or URL-encoded path), if the caller may see it; else 404. */
export function findProject(ctx: RouteContext, caller: Caller, key: string): Project {
  const project = ctx.world.project(key);
  if (!project || !canSeeProject(caller.user, project)) throw notFound('Project');
  return project;
}

function authorize(caller: Caller, project: Project, ability: Ability): void {
  if (!can(caller.user, project, ability)) throw forbidden();
}

/** `findProject`, then `authorize`: 404 if the caller may not see the project, 403 if it lacks `ability` there. */
export function authorizedProject(ctx: RouteContext, caller: Caller, key: string, ability: Ability): Project {
  const project = findProject(ctx, caller, key);
  authorize(caller, project, ability);
  return project;
}

/** The item of a project's history that `match` names, unless deleted; else 404 Not found. */
export function findLive<T extends { deleted: boolean }>(items: readonly T[], match: (item: T) => boolean): T {
  const item = items.find((i) => match(i) && !i.deleted);
  if (!item) throw notFound();
  return item;
}

/** An offset-paged JSON array of `items`, each rendered only if it is on the page. */
export function paged<T>(ctx: RouteContext, items: readonly T[], render: (item: T) => unknown): Reply {
  const request = pageRequest(ctx.params);
  ctx.params.done();
  const page = offsetPage(items, request, ctx.url, ctx.totalsThreshold);
  return { body: page.items.map(render), headers: page.headers };
}
