// The API route table (everything under /api/v4). `:id` segments match the raw path, so a project path
// must be URL-encoded (`acme%2Fstorefront`), as GitLab requires; they are decoded after matching.

import type { Handler, Reply, RouteContext } from './context.js';
import { methodNotAllowed, routeNotFound } from './errors.js';
import { getCommit, listCommits } from './routes-commits.js';
import { getDeployment, listDeployments, listEnvironments } from './routes-deployments.js';
import { listIssues } from './routes-issues.js';
import { getMergeRequest, listMergeRequestCommits, listMergeRequestNotes, listMergeRequests } from './routes-mrs.js';
import { getPipeline, listPipelineBridges, listPipelineJobs, listPipelines } from './routes-pipelines.js';
import { getGroup, getProject, listGroupProjects, listGroups, listProjects } from './routes-projects.js';
import { getCurrentUser, getTokenSelf, getVersion } from './routes-user.js';

export const API_PREFIX = '/api/v4';

const P = '/projects/([^/]+)';

const ROUTES: readonly (readonly [RegExp, Handler])[] = [
  [/^\/user$/, getCurrentUser],
  [/^\/version$/, getVersion],
  [/^\/personal_access_tokens\/self$/, getTokenSelf],
  [/^\/groups$/, listGroups],
  [/^\/groups\/([^/]+)$/, getGroup],
  [/^\/groups\/([^/]+)\/projects$/, listGroupProjects],
  [/^\/projects$/, listProjects],
  [new RegExp(`^${P}$`), getProject],
  [new RegExp(`^${P}/issues$`), listIssues],
  [new RegExp(`^${P}/merge_requests$`), listMergeRequests],
  [new RegExp(`^${P}/merge_requests/(\\d+)$`), getMergeRequest],
  [new RegExp(`^${P}/merge_requests/(\\d+)/commits$`), listMergeRequestCommits],
  [new RegExp(`^${P}/merge_requests/(\\d+)/notes$`), listMergeRequestNotes],
  [new RegExp(`^${P}/repository/commits$`), listCommits],
  [new RegExp(`^${P}/repository/commits/([^/]+)$`), getCommit],
  [new RegExp(`^${P}/pipelines$`), listPipelines],
  [new RegExp(`^${P}/pipelines/(\\d+)$`), getPipeline],
  [new RegExp(`^${P}/pipelines/(\\d+)/jobs$`), listPipelineJobs],
  [new RegExp(`^${P}/pipelines/(\\d+)/bridges$`), listPipelineBridges],
  [new RegExp(`^${P}/environments$`), listEnvironments],
  [new RegExp(`^${P}/deployments$`), listDeployments],
  [new RegExp(`^${P}/deployments/(\\d+)$`), getDeployment],
];

/** Routes a path below /api/v4 (raw, still URL-encoded). Every route is a GET. */
export function dispatch(method: string, rawPath: string, ctx: RouteContext): Reply {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  for (const [pattern, handler] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
    return handler(
      ctx,
      match.slice(1).map((p) => decodeURIComponent(p)),
    );
  }
  throw routeNotFound();
}
