// Environments and deployments. As on GitLab ≥ 16 (DeploymentsFinder, issue 328500), `updated_after`/
// `updated_before` and `order_by=updated_at` must come together, and `finished_after`/`finished_before`
// need `order_by=finished_at` and `status=success`; otherwise 400.

import { authorizedProject, findLive, paged, requireUser, type Handler } from './context.js';
import { badRequest } from './errors.js';
import type { Deployment } from './model.js';
import { inRange, isBounded, SORTS, sortBy } from './params.js';
import {
  deploymentFinishedAt,
  deploymentJson,
  deploymentStatus,
  deploymentUpdatedAt,
  environmentJson,
  environmentSlug,
} from './render-deploy.js';

const DEPLOYMENT_STATUSES = ['created', 'running', 'success', 'failed', 'canceled', 'skipped', 'blocked'] as const;
const ORDER = ['id', 'iid', 'created_at', 'updated_at', 'finished_at', 'ref'] as const;

/** The sort key of each `order_by` at time `t`; a project's deployments get their iids in id (= creation) order. */
const ORDER_KEYS: Record<(typeof ORDER)[number], (d: Deployment, t: number) => number | string> = {
  id: (d) => d.id,
  iid: (d) => d.id,
  created_at: (d) => d.id,
  updated_at: (d, t) => deploymentUpdatedAt(d, t),
  finished_at: (d, t) => deploymentFinishedAt(d, t) ?? 0,
  ref: (d) => d.pipeline.ref,
};

export const listEnvironments: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const name = ctx.params.string('name');
  const search = ctx.params.string('search');
  const states = ctx.params.oneOf('states', ['available', 'stopping', 'stopped'] as const);
  ctx.params.done();
  const project = authorizedProject(ctx, caller, id, 'read_environment');
  const rows = project.environments.filter(
    (e) => (!name || e.name === name) && (!search || e.name.includes(search)) && (!states || states === 'available'),
  );
  return paged(ctx, rows, (e) => environmentJson(e, project));
};

export const listDeployments: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const orderBy = p.oneOf('order_by', ORDER, 'id');
  const sort = p.oneOf('sort', SORTS, 'asc');
  const updated = p.timeRange('updated');
  const finished = p.timeRange('finished');
  const environment = p.string('environment');
  const status = p.oneOf('status', DEPLOYMENT_STATUSES);
  p.done();
  const project = authorizedProject(ctx, caller, id, 'read_deployment');
  const byUpdated = isBounded(updated);
  const byFinished = isBounded(finished);
  if (byUpdated && byFinished)
    throw badRequest('Both `updated_at` filter and `finished_at` filter can not be specified');
  if (byUpdated !== (orderBy === 'updated_at'))
    throw badRequest('`updated_at` filter and `updated_at` sorting must be paired');
  if (byFinished !== (orderBy === 'finished_at'))
    throw badRequest('`finished_at` filter and `finished_at` sorting must be paired');
  if (byFinished && status !== 'success')
    throw badRequest('`finished_at` filter must be combined with `success` status filter.');
  const t = ctx.now;
  const rows = project.deployments.filter(
    (d) =>
      !d.deleted &&
      inRange(updated, deploymentUpdatedAt(d, t)) &&
      inRange(finished, deploymentFinishedAt(d, t)) &&
      (!environment || d.environment.name === environment || environmentSlug(d.environment) === environment) &&
      (!status || deploymentStatus(d, t) === status),
  );
  const sorted = sortBy(rows, (d) => ORDER_KEYS[orderBy](d, t), sort);
  // DeploymentsFinder breaks updated_at ties by id descending, whatever the direction.
  if (orderBy === 'updated_at')
    sorted.sort(
      (a, b) => (sort === 'asc' ? 1 : -1) * (deploymentUpdatedAt(a, t) - deploymentUpdatedAt(b, t)) || b.id - a.id,
    );
  return paged(ctx, sorted, (d) => deploymentJson(d, ctx.world, ctx.base, t));
};

export const getDeployment: Handler = (ctx, [id = '', did = '']) => {
  const caller = requireUser(ctx);
  ctx.params.done();
  const project = authorizedProject(ctx, caller, id, 'read_deployment');
  const deployment = findLive(project.deployments, (d) => String(d.id) === did);
  return { body: deploymentJson(deployment, ctx.world, ctx.base, ctx.now) };
};
