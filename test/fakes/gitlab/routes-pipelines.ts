// Pipelines (slim list items; the single pipeline with timings), a pipeline's jobs and its bridges.
// Guests and non-members get 403 unless the project has public pipelines.

import { authorize, findProject, paged, requireUser, type Handler, type RouteContext } from './context.js';
import { notFound } from './errors.js';
import type { Pipeline } from './model.js';
import { SORTS, sortBy } from './params.js';
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

export const listPipelines: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const updatedAfter = p.dateTime('updated_after');
  const updatedBefore = p.dateTime('updated_before');
  const createdAfter = p.dateTime('created_after');
  const createdBefore = p.dateTime('created_before');
  const orderBy = p.oneOf('order_by', ['id', 'status', 'ref', 'updated_at', 'user_id'] as const, 'id');
  const sort = p.oneOf('sort', SORTS, 'desc');
  const status = p.oneOf('status', STATUSES);
  const source = p.oneOf('source', SOURCES);
  const scope = p.oneOf('scope', ['running', 'pending', 'finished', 'branches', 'tags'] as const);
  const ref = p.string('ref');
  const sha = p.string('sha');
  const username = p.string('username');
  p.done();
  const project = findProject(ctx, caller, id);
  authorize(caller, project, 'read_pipeline');
  const t = ctx.now;
  const rows = project.pipelines.filter((pl) => {
    if (pl.deleted) return false;
    const current = pipelineStatus(pl, t);
    const updated = pipelineUpdatedAt(pl, t);
    return (
      (updatedAfter === undefined || updated >= updatedAfter) &&
      (updatedBefore === undefined || updated <= updatedBefore) &&
      (createdAfter === undefined || pl.spec.createdAt >= createdAfter) &&
      (createdBefore === undefined || pl.spec.createdAt <= createdBefore) &&
      (status === undefined || current === status) &&
      (source === undefined || pl.source === source) &&
      (scope === undefined || matchesScope(scope, current, pl)) &&
      (ref === undefined || pl.ref === ref) &&
      (sha === undefined || pl.commit.sha === sha) &&
      (username === undefined || pl.user.username === username)
    );
  });
  const key = (pl: Pipeline): number | string =>
    orderBy === 'updated_at'
      ? pipelineUpdatedAt(pl, t)
      : orderBy === 'status'
        ? pipelineStatus(pl, t)
        : orderBy === 'ref'
          ? pl.ref
          : orderBy === 'user_id'
            ? pl.user.id
            : pl.id;
  const sorted = orderBy === 'id' ? (sort === 'asc' ? rows : rows.reverse()) : sortBy(rows, key, sort);
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
  const project = findProject(ctx, caller, id);
  authorize(caller, project, ability);
  const pipeline = project.pipelines.find((pl) => String(pl.id) === pid && !pl.deleted);
  if (!pipeline) throw notFound();
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
