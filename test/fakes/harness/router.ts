// The route table. Every route answers both bare (`/ng/api/...`) and under `/gateway` (`/gateway/ng/api/...`),
// the prefix app.harness.io clients such as faros use.

import type { Handler, Reply, RouteContext } from './context.js';
import { methodNotAllowed, notFound } from './errors.js';
import { executionOutline, executionSummary } from './routes-executions.js';
import { listOrgsNg, listProjectsNg } from './routes-ng.js';
import { listOrgsV1, listProjectsV1 } from './routes-v1.js';

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^\/v1\/orgs$/, handler: listOrgsV1 },
  { method: 'GET', pattern: /^\/v1\/orgs\/([^/]+)\/projects$/, handler: listProjectsV1 },
  { method: 'GET', pattern: /^\/ng\/api\/organizations$/, handler: listOrgsNg },
  { method: 'GET', pattern: /^\/ng\/api\/projects$/, handler: listProjectsNg },
  { method: 'POST', pattern: /^\/pipeline\/api\/pipelines\/execution\/summary$/, handler: executionSummary },
  { method: 'POST', pattern: /^\/pipeline\/api\/pipelines\/execution\/summary\/outline$/, handler: executionOutline },
];

/** Splits `/gateway/x` into the route path `/x` and whether the gateway prefix was used. */
export function routePath(pathname: string): { path: string; gateway: boolean } {
  if (pathname === '/gateway' || pathname.startsWith('/gateway/')) {
    return { path: pathname.slice('/gateway'.length) || '/', gateway: true };
  }
  return { path: pathname, gateway: false };
}

export function dispatch(method: string, path: string, ctx: RouteContext): Reply {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  let pathMatched = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(trimmed);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    return route.handler(
      ctx,
      match.slice(1).map((p) => decodeURIComponent(p)),
    );
  }
  throw pathMatched ? methodNotAllowed() : notFound('HTTP 404 Not Found');
}
