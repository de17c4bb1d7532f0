// POST /pipeline/api/pipelines/execution/summary (harness-core ExecutionDetailsResource.getListOfExecutions)
// and its cursor variant /summary/outline. Checks run in the real resource's order: auth filter, entity
// (body) and query conversion, @NotNull parameters, the RBAC interceptor, then the method's own page,
// size and sort checks.

import { canSeeProject, type FakeKey } from './auth.js';
import { accountScope, authenticate, responseDto, type Reply, type RouteContext } from './context.js';
import { accessDenied, invalidRequest } from './errors.js';
import { matchesFilter, parseFilterBody, parseStatus, type ExecutionFilter } from './execution-filter.js';
import type { ExecutionPlan } from './model.js';
import { all, first, plainInt, required } from './params.js';
import { springPage } from './paging.js';
import { statusAt } from './stage-state.js';

export const INVALID_PAGE_MESSAGE =
  'Please Verify Executions list parameters for page and size, page should be >= 0 and size should be > 0 and <=1000';
const SORT_FIELDS = ['name', 'status', 'startTs', 'pipelineTimeoutTs'] as const;
export const INVALID_SORT_MESSAGE = `Please Verify Executions list parameters for sort criteria, it should be in format <Field>%2C<SortOrder>, where <SortOrder> can be one of 'ASC' or 'DESC' and <Field> can be any one of [${SORT_FIELDS.join(', ')}]`;

type SortField = (typeof SORT_FIELDS)[number];
interface SortKey {
  field: SortField;
  dir: 1 | -1;
}

/** Spring-style `sort=field[,field...][,ASC|DESC]`, repeatable; default `startTs,DESC`. */
export function parseSort(values: string[]): SortKey[] {
  if (values.length === 0) return [{ field: 'startTs', dir: -1 }];
  return values.flatMap((value) => {
    const parts = value.split(',').map((p) => p.trim());
    const last = (parts.at(-1) ?? '').toUpperCase();
    const hasDir = last === 'ASC' || last === 'DESC';
    const fields = hasDir ? parts.slice(0, -1) : parts;
    if (fields.length === 0 || !fields.every((f) => (SORT_FIELDS as readonly string[]).includes(f))) {
      throw invalidRequest(INVALID_SORT_MESSAGE);
    }
    return fields.map((field) => ({ field: field as SortField, dir: last === 'DESC' ? (-1 as const) : (1 as const) }));
  });
}

function sortValue(plan: ExecutionPlan, field: SortField, now: number): string | number {
  switch (field) {
    case 'name':
      return plan.pipeline.name;
    case 'status':
      return statusAt(plan, now);
    case 'startTs':
      return plan.startTs;
    case 'pipelineTimeoutTs':
      return plan.startTs + plan.pipeline.timeoutMs;
  }
}

function sortPlans(plans: ExecutionPlan[], keys: SortKey[], now: number): ExecutionPlan[] {
  return plans.sort((a, b) => {
    for (const { field, dir } of keys) {
      const x = sortValue(a, field, now);
      const y = sortValue(b, field, now);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (c !== 0) return dir * c;
    }
    return b.startTs - a.startTs || (a.planExecutionId < b.planExecutionId ? 1 : -1);
  });
}

interface Scoped {
  key: FakeKey;
  org: string;
  project: string;
  filter: ExecutionFilter;
}

/** Everything before the method body: auth, body and query conversion, @NotNull, RBAC. */
function admit(ctx: RouteContext, options: { requireBody: boolean }): Scoped {
  const key = authenticate(ctx, first(ctx.query, 'accountIdentifier'));
  const queryStatuses = all(ctx.query, 'status').map(parseStatus);
  const contentType = ctx.headers['content-type'];
  const fromBody = options.requireBody || ctx.body.trim() !== '' ? parseFilterBody(ctx.body, contentType) : {};
  required(ctx.query, 'accountIdentifier');
  const org = required(ctx.query, 'orgIdentifier');
  const project = required(ctx.query, 'projectIdentifier');
  const pipelineIdentifier = first(ctx.query, 'pipelineIdentifier');
  const scope = {
    resourceScope: accountScope(ctx, org, project),
    resourceType: 'PIPELINE' as const,
    resourceIdentifier: pipelineIdentifier ?? null,
  };
  // @NGAccessControlCheck(PIPELINE, core_pipeline_view) on the project scope.
  if (!key.permissions.has('core_pipeline_view') || !canSeeProject(key, org, project)) {
    throw accessDenied({ ...scope, permission: 'core_pipeline_view' }, 'pipeline');
  }
  const searchTerm = first(ctx.query, 'searchTerm');
  const module = first(ctx.query, 'module');
  const filter: ExecutionFilter = {
    ...fromBody,
    ...(queryStatuses.length > 0 ? { queryStatuses: new Set(queryStatuses) } : {}),
    ...(pipelineIdentifier ? { pipelineIdentifier } : {}),
    ...(searchTerm ? { searchTerm } : {}),
    ...(module ? { module } : {}),
  };
  return { key, org, project, filter };
}

function candidates(ctx: RouteContext, scoped: Scoped): ExecutionPlan[] {
  return ctx.data
    .visible(ctx.now)
    .filter(
      (p) =>
        p.pipeline.org === scoped.org &&
        p.pipeline.project === scoped.project &&
        matchesFilter(p, scoped.filter, ctx.now),
    );
}

export function executionSummary(ctx: RouteContext): Reply {
  const scoped = admit(ctx, { requireBody: true });
  const page = plainInt(ctx.query, 'page', 0, () => invalidRequest(INVALID_PAGE_MESSAGE));
  const size = plainInt(ctx.query, 'size', 10, () => invalidRequest(INVALID_PAGE_MESSAGE));
  if (page < 0 || !(size > 0 && size <= 1000)) throw invalidRequest(INVALID_PAGE_MESSAGE);
  const sort = parseSort(all(ctx.query, 'sort'));
  const plans = sortPlans(candidates(ctx, scoped), sort, ctx.now);
  const content = plans.slice(page * size, page * size + size).map((p) => ctx.data.render(p, ctx.now));
  return responseDto(springPage(content, plans.length, page, size));
}

/** Cursor paging on (startTs DESC, planExecutionId DESC): items strictly after the last one seen. */
export function executionOutline(ctx: RouteContext): Reply {
  const scoped = admit(ctx, { requireBody: false });
  const size = plainInt(ctx.query, 'size', 10, () => invalidRequest(INVALID_PAGE_MESSAGE));
  if (!(size > 0 && size <= 1000)) throw invalidRequest(INVALID_PAGE_MESSAGE);
  const lastId = first(ctx.query, 'lastSeenExecutionId');
  const lastStart = plainInt(ctx.query, 'lastSeenStartTime', Number.POSITIVE_INFINITY, () =>
    invalidRequest('lastSeenStartTime must be epoch milliseconds'),
  );
  const plans = sortPlans(candidates(ctx, scoped), [{ field: 'startTs', dir: -1 }], ctx.now).filter(
    (p) => p.startTs < lastStart || (p.startTs === lastStart && lastId !== undefined && p.planExecutionId < lastId),
  );
  const page = plans.slice(0, size);
  const tail = page.at(-1);
  return responseDto({
    content: page.map((p) => ctx.data.render(p, ctx.now)),
    currentSize: page.length,
    lastSeenExecutionId: tail?.planExecutionId ?? lastId ?? null,
    lastSeenStartTime: tail?.startTs ?? (Number.isFinite(lastStart) ? lastStart : null),
    hasMore: plans.length > size,
  });
}
