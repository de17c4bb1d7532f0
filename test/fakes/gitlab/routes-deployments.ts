// Environments and deployments. As on GitLab ≥ 16 (DeploymentsFinder, issue 328500), `updated_after`/
// `updated_before` and `order_by=updated_at` must come together, and `finished_after`/`finished_before`
// need `order_by=finished_at` and `status=success`; otherwise 400.

import { authorize, findProject, paged, requireUser, type Handler } from './context.js';
import { badRequest, notFound } from './errors.js';
import type { Deployment } from './model.js';
import { SORTS, sortBy } from './params.js';
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

export const listEnvironments: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const name = ctx.params.string('name');
  const search = ctx.params.string('search');
  const states = ctx.params.oneOf('states', ['available', 'stopping', 'stopped'] as const);
  ctx.params.done();
  const project = findProject(ctx, caller, id);
  authorize(caller, project, 'read_environment');
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
  const updatedAfter = p.dateTime('updated_after');
  const updatedBefore = p.dateTime('updated_before');
  const finishedAfter = p.dateTime('finished_after');
  const finishedBefore = p.dateTime('finished_before');
  const environment = p.string('environment');
  const status = p.oneOf('status', DEPLOYMENT_STATUSES);
  p.done();
  const project = findProject(ctx, caller, id);
  authorize(caller, project, 'read_deployment');
  const byUpdated = updatedAfter !== undefined || updatedBefore !== undefined;
  const byFinished = finishedAfter !== undefined || finishedBefore !== undefined;
  if (byUpdated && byFinished)
    throw badRequest('Both `updated_at` filter and `finished_at` filter can not be specified');
  if (byUpdated !== (orderBy === 'updated_at'))
    throw badRequest('`updated_at` filter and `updated_at` sorting must be paired');
  if (byFinished !== (orderBy === 'finished_at'))
    throw badRequest('`finished_at` filter and `finished_at` sorting must be paired');
  if (byFinished && status !== 'success')
    throw badRequest('`finished_at` filter must be combined with `success` status filter.');
  const t = ctx.now;
  const rows = project.deployments.filter((d) => {
    if (d.deleted) return false;
    const updated = deploymentUpdatedAt(d, t);
    const finished = deploymentFinishedAt(d, t);
    return (
      (updatedAfter === undefined || updated >= updatedAfter) &&
      (updatedBefore === undefined || updated <= updatedBefore) &&
      (finishedAfter === undefined || (finished !== null && finished >= finishedAfter)) &&
      (finishedBefore === undefined || (finished !== null && finished <= finishedBefore)) &&
      (!environment || d.environment.name === environment || environmentSlug(d.environment) === environment) &&
      (!status || deploymentStatus(d, t) === status)
    );
  });
  const key = (d: Deployment): number | string =>
    orderBy === 'updated_at'
      ? deploymentUpdatedAt(d, t)
      : orderBy === 'finished_at'
        ? (deploymentFinishedAt(d, t) ?? 0)
        : orderBy === 'ref'
          ? d.pipeline.ref
          : d.id;
  const sorted = sortBy(rows, key, sort);
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
  const project = findProject(ctx, caller, id);
  authorize(caller, project, 'read_deployment');
  const deployment = project.deployments.find((d) => String(d.id) === did && !d.deleted);
  if (!deployment) throw notFound();
  return { body: deploymentJson(deployment, ctx.world, ctx.base, ctx.now) };
};
