// Pipelines (slim list items; the single pipeline with timings), a pipeline's jobs and its bridges.
// Guests and non-members get 403 unless the project has public pipelines.

import { authorizedProject, findLive, paged, requireUser, type Handler, type RouteContext } from './context.js';
import type { Pipeline } from './model.js';
import { inRange, SORTS, sortBy } from './params.js';
import { bridgeJson, jobJson, jobStatus, visibleJobs } from './render-job.js';
import { pipelineBasic, pipelineDetail, pipelineStatus, pipelineUpdatedAt } from './render-pipeline.js';
import { FINAL } from './status.js';

const STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'canceling',
  'skipped',
  'manual',
  'scheduled',
] as const;
const SOURCES = [
  'push',
  'web',
  'trigger',
  'schedule',
  'api',
  'external',
  'pipeline',
  'chat',
  'webide',
  'merge_request_event',
  'external_pull_request_event',
  'parent_pipeline',
  'ondemand_dast_scan',
  'ondemand_dast_validation',
  'security_orchestration_policy',
] as const;
const JOB_SCOPES = [
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
] as const;

const ORDER = ['id', 'status', 'ref', 'updated_at', 'user_id'] as const;

/** The sort key of each `order_by` at time `t`. */
const ORDER_KEYS: Record<(typeof ORDER)[number], (pl: Pipeline, t: number) => number | string> = {
  id: (pl) => pl.id,
  status: (pl, t) => pipelineStatus(pl, t),
  ref: (pl) => pl.ref,
  updated_at: (pl, t) => pipelineUpdatedAt(pl, t),
  user_id: (pl) => pl.user.id,
};

export const listPipelines: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const updated = p.timeRange('updated');
  const created = p.timeRange('created');
  const orderBy = p.oneOf('order_by', ORDER, 'id');
  const sort = p.oneOf('sort', SORTS, 'desc');
  const status = p.oneOf('status', STATUSES);
  const source = p.oneOf('source', SOURCES);
  const scope = p.oneOf('scope', ['running', 'pending', 'finished', 'branches', 'tags'] as const);
  const ref = p.string('ref');
  const sha = p.string('sha');
  const username = p.string('username');
  p.done();
  const project = authorizedProject(ctx, caller, id, 'read_pipeline');
  const t = ctx.now;
  const rows = project.pipelines.filter((pl) => {
    if (pl.deleted) return false;
    const current = pipelineStatus(pl, t);
    return (
      inRange(updated, pipelineUpdatedAt(pl, t)) &&
      inRange(created, pl.spec.createdAt) &&
      (status === undefined || current === status) &&
      (source === undefined || pl.source === source) &&
      (scope === undefined || matchesScope(scope, current, pl)) &&
      (ref === undefined || pl.ref === ref) &&
      (sha === undefined || pl.commit.sha === sha) &&
      (username === undefined || pl.user.username === username)
    );
  });
  // Pipelines are stored in id order: `order_by=id` needs no sort.
  const byId = orderBy === 'id';
  const sorted = byId
    ? sort === 'asc'
      ? rows
      : rows.reverse()
    : sortBy(rows, (pl) => ORDER_KEYS[orderBy](pl, t), sort);
  return paged(ctx, sorted, (pl) => pipelineBasic(pl, ctx.base, t));
};

function matchesScope(scope: string, status: string, pipeline: Pipeline): boolean {
  if (scope === 'running' || scope === 'pending') return status === scope;
  if (scope === 'finished') return FINAL.has(status);
  if (scope === 'tags') return false;
  return !pipeline.ref.startsWith('refs/');
}

function pipelineOf(ctx: RouteContext, id: string, pid: string, ability: 'read_pipeline' | 'read_build') {
  const caller = requireUser(ctx);
  const scopes = ctx.params.listOf('scope', JOB_SCOPES);
  const includeRetried = ctx.params.bool('include_retried') ?? false;
  ctx.params.done();
  const project = authorizedProject(ctx, caller, id, ability);
  const pipeline = findLive(project.pipelines, (pl) => String(pl.id) === pid);
  return { pipeline, scopes, includeRetried };
}

export const getPipeline: Handler = (ctx, [id = '', pid = '']) => {
  const { pipeline } = pipelineOf(ctx, id, pid, 'read_pipeline');
  return { body: pipelineDetail(pipeline, ctx.base, ctx.now) };
};

function jobsOf(ctx: RouteContext, id: string, pid: string, bridges: boolean) {
  const { pipeline, scopes, includeRetried } = pipelineOf(ctx, id, pid, 'read_build');
  const t = ctx.now;
  const jobs = visibleJobs(ctx.world.plan(pipeline).jobs, t, includeRetried).filter(
    (j) =>
      (j.template.kind === 'bridge') === bridges &&
      (scopes.length === 0 || (scopes as string[]).includes(jobStatus(j, t))),
  );
  return { pipeline, jobs };
}

export const listPipelineJobs: Handler = (ctx, [id = '', pid = '']) => {
  const { pipeline, jobs } = jobsOf(ctx, id, pid, false);
  return paged(ctx, jobs, (j) => jobJson(pipeline, j, ctx.base, ctx.now));
};

export const listPipelineBridges: Handler = (ctx, [id = '', pid = '']) => {
  const { pipeline, jobs } = jobsOf(ctx, id, pid, true);
  return paged(ctx, jobs, (j) => bridgeJson(pipeline, j, ctx.base, ctx.now));
};
