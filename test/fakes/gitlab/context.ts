// What a route handler gets and returns, and the checks handlers share, in GitLab's order: authenticate
// (401/403 scope), validate parameters (400), find the project (404), authorize the role (403).

import { READ_SCOPES, type Caller, type Credential, type Scope, type TokenStore } from './auth.js';
import { forbidden, notFound } from './errors.js';
import type { Project } from './model.js';
import { offsetPage, pageRequest } from './paging.js';
import type { Params } from './params.js';
import { can, canSeeProject, type Ability } from './policy.js';
import type { World } from './world.js';

export interface Reply {
  status?: number;
  /** JSON, or a string sent as is (its content-type in `headers`). */
  body: unknown;
  headers?: Record<string, string>;
}

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

export function authorize(caller: Caller, project: Project, ability: Ability): void {
  if (!can(caller.user, project, ability)) throw forbidden();
}

/** An offset-paged JSON array of `items`, each rendered only if it is on the page. */
export function paged<T>(ctx: RouteContext, items: readonly T[], render: (item: T) => unknown): Reply {
  const request = pageRequest(ctx.params);
  ctx.params.done();
  const page = offsetPage(items, request, ctx.url, ctx.totalsThreshold);
  return { body: page.items.map(render), headers: page.headers };
}
