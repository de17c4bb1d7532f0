import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cicdHealth } from '../../metrics/cicd-health.js';
import { mergedSql, mergeRequestFlow, type MrFilters } from '../../metrics/merge-requests.js';
import { Params } from '../../metrics/deployments.js';
import { teamByName } from '../../store/teams.js';
import { applyProfile, prepareDora, productionDeploymentsSql } from '../../metrics/materialize.js';
import {
  changeFailureRate,
  deploymentFrequency,
  type Interval,
  type MetricAnswer,
  type MetricQuery,
  timeToRestore,
} from '../../metrics/dora.js';
import {
  DEFAULT_PROFILE,
  DoraProfileSchema,
  loadProfile,
  mergeProfile,
  type DoraProfile,
} from '../../metrics/profile.js';
import { leadTime } from '../../metrics/lead-time.js';
import { METRICS, metricRecords, type MetricName, toCsv } from '../../metrics/records.js';
import { checkTimeZone, parseWindow } from '../../metrics/window.js';
import type { Db, Queryable } from '../../store/db.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors } from '../schemas.js';

const MetricQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'YYYY-MM-DD (a day in time_zone) or an ISO time' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'YYYY-MM-DD (included) or an ISO time (excluded)' })),
    time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone of days and weeks; UTC' })),
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
    source: Type.Optional(Type.String({ maxLength: 64 })),
    pipeline: Type.Optional(Type.String({ maxLength: 1024 })),
    service: Type.Optional(Type.String({ maxLength: 1024 })),
    environment: Type.Optional(Type.String({ maxLength: 1024 })),
    team: Type.Optional(
      Type.String({ maxLength: 128, description: 'A team name (GET /v1/teams): its services count' }),
    ),
  },
  { additionalProperties: false },
);

const RecordsQuerySchema = Type.Composite(
  [
    MetricQuerySchema,
    Type.Object({
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
      offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 })),
      format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
    }),
  ],
  { additionalProperties: false },
);

type MetricQueryInput = {
  from?: string;
  to?: string;
  time_zone?: string;
  interval?: Interval;
  source?: string;
  pipeline?: string;
  service?: string;
  environment?: string;
  team?: string;
};

const AnswerSchema = Type.Object({
  metric: Type.String(),
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  time_zone: Type.String(),
  interval: Type.String(),
  filters: Type.Record(Type.String(), Type.String()),
  profile: DoraProfileSchema,
  value: Type.Union([Type.Number(), Type.Null()]),
  unit: Type.String(),
  count: Type.Integer({ description: 'How many records the value is based on.' }),
  band: Type.Union([Type.Object({ name: Type.String(), source: Type.String() }), Type.Null()]),
  series: Type.Array(
    Type.Object({
      bucket: Type.String(),
      start: Type.String(),
      value: Type.Union([Type.Number(), Type.Null()]),
      count: Type.Integer(),
    }),
  ),
  details: Type.Record(Type.String(), Type.Unknown()),
  records_url: Type.String({ description: 'The drill-down: the records behind the value (add format=csv).' }),
});

async function metricQuery(ctx: AppContext, req: FastifyRequest): Promise<MetricQuery> {
  const q = req.query as MetricQueryInput;
  const tenantId = tenantOf(req);
  const timeZone = checkTimeZone(q.time_zone ?? 'UTC');
  const { from, to } = parseWindow(q, timeZone, ctx.sync.clock.now());
  const filters = Object.fromEntries(
    (['source', 'pipeline', 'service', 'environment', 'team'] as const)
      .filter((k) => q[k] !== undefined)
      .map((k) => [k, q[k]]),
  );
  return {
    tenantId,
    from,
    to,
    timeZone,
    interval: q.interval ?? 'week',
    filters,
    profile: await loadProfile(ctx.db, tenantId),
    ...(q.team === undefined ? {} : { team: await teamByName(ctx.db, tenantId, q.team) }),
  };
}

const COMPUTE: Record<MetricName, (db: Db, q: MetricQuery) => Promise<MetricAnswer>> = {
  'deployment-frequency': deploymentFrequency,
  'lead-time-for-changes': leadTime,
  'change-failure-rate': changeFailureRate,
  'time-to-restore': timeToRestore,
};

/** The ids of the runs a profile counts as production deployments in a window. */
async function deploymentIds(db: Queryable, tenantId: string, profile: DoraProfile, from: Date, to: Date) {
  const p = new Params();
  const rows = await db.query<{ id: string; failed: boolean }>(
    `SELECT id::text AS id, failed FROM (${productionDeploymentsSql(p, tenantId, profile, { from, to })}) d`,
    p.values,
  );
  return new Map(rows.map((r) => [r.id, r.failed]));
}

const HealthQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    time_zone: Type.Optional(Type.String({ maxLength: 64 })),
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
    group_by: Type.Optional(Type.Union([Type.Literal('pipeline'), Type.Literal('branch')])),
    kind: Type.Optional(Type.Union([Type.Literal('ci'), Type.Literal('cd')])),
    source: Type.Optional(Type.String({ maxLength: 64 })),
    pipeline: Type.Optional(Type.String({ maxLength: 1024 })),
    branch: Type.Optional(Type.String({ maxLength: 1024 })),
    team: Type.Optional(
      Type.String({ maxLength: 128, description: 'A team name (GET /v1/teams): its services count' }),
    ),
  },
  { additionalProperties: false },
);

const MrQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    time_zone: Type.Optional(Type.String({ maxLength: 64 })),
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
    repo: Type.Optional(Type.String({ maxLength: 1024, description: 'Repository full path, e.g. acme/checkout' })),
    author: Type.Optional(Type.String({ maxLength: 256 })),
    team: Type.Optional(
      Type.String({ maxLength: 128, description: 'A team name (GET /v1/teams): its services count' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

type MrQueryInput = {
  from?: string;
  to?: string;
  time_zone?: string;
  interval?: Interval;
  repo?: string;
  author?: string;
  team?: string;
  limit?: number;
  offset?: number;
  format?: 'json' | 'csv';
};

export function metricRoutes(app: FastifyInstance, ctx: AppContext): void {
  const mrQuery = async (req: FastifyRequest): Promise<{ q: MetricQuery; f: MrFilters }> => {
    const input = req.query as MrQueryInput;
    const tenantId = tenantOf(req);
    const timeZone = checkTimeZone(input.time_zone ?? 'UTC');
    const { from, to } = parseWindow(input, timeZone, ctx.sync.clock.now());
    const q: MetricQuery = {
      tenantId,
      from,
      to,
      timeZone,
      interval: input.interval ?? 'week',
      filters: {},
      profile: await loadProfile(ctx.db, tenantId),
    };
    const team = input.team === undefined ? undefined : await teamByName(ctx.db, tenantId, input.team);
    const f: MrFilters = {
      ...(input.repo === undefined ? {} : { repo: input.repo }),
      ...(input.author === undefined ? {} : { author: input.author }),
      ...(team === undefined ? {} : { team: team.name, repositories: team.repositories }),
    };
    return { q, f };
  };

  app.get(
    '/metrics/merge-requests',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Merge request flow: merged per interval, cycle time and its stages, size, reviews',
        querystring: Type.Omit(MrQuerySchema, ['limit', 'offset', 'format']),
        response: { ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const { q, f } = await mrQuery(req);
      const query = new URLSearchParams(req.query as Record<string, string>).toString();
      return {
        ...(await mergeRequestFlow(ctx.db, q, f)),
        records_url: `/v1/metrics/merge-requests/records${query === '' ? '' : `?${query}`}`,
      };
    },
  );

  app.get(
    '/metrics/merge-requests/records',
    {
      schema: {
        tags: ['metrics'],
        summary: 'The merge requests behind the flow figures, newest merge first (format=csv for a file)',
        querystring: MrQuerySchema,
        response: { ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const { q, f } = await mrQuery(req);
      const { limit = 100, offset = 0, format } = req.query as MrQueryInput;
      await prepareDora(ctx.db, q.tenantId, { changes: true });
      const p = new Params();
      const rows = await ctx.db.query<Record<string, unknown>>(
        `SELECT * FROM (${mergedSql(p, q, f)}) x ORDER BY merged_at DESC, repo, mr_key
         LIMIT ${p.add(limit + 1)} OFFSET ${p.add(offset)}`,
        p.values,
      );
      const columns = [
        'repo',
        'mr_key',
        'title',
        'author',
        'created_at',
        'merged_at',
        'deployed_at',
        'cycle_ms',
        'coding_ms',
        'pickup_ms',
        'review_ms',
        'merge_to_deploy_ms',
        'commits',
        'lines_changed',
        'review_comments',
        'approvals',
        'web_url',
      ];
      const page = {
        columns,
        rows: rows.slice(0, limit).map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))),
        next_offset: rows.length > limit ? offset + limit : null,
      };
      if (format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="merge-requests.csv"')
          .send(toCsv(page));
      }
      return { metric: 'merge-requests', ...page };
    },
  );

  app.get(
    '/metrics/cicd-health',
    {
      schema: {
        tags: ['metrics'],
        summary: 'CI/CD health: runs, success rate, duration p50/p90 by pipeline or branch, slowest stages, flaky runs',
        querystring: HealthQuerySchema,
        response: { ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query as {
        from?: string;
        to?: string;
        time_zone?: string;
        interval?: Interval;
        group_by?: 'pipeline' | 'branch';
        kind?: 'ci' | 'cd';
        source?: string;
        pipeline?: string;
        branch?: string;
        team?: string;
      };
      const tenantId = tenantOf(req);
      const timeZone = checkTimeZone(q.time_zone ?? 'UTC');
      const { from, to } = parseWindow(q, timeZone, ctx.sync.clock.now());
      const filters = Object.fromEntries(
        (['source', 'pipeline', 'branch', 'kind', 'team'] as const)
          .filter((k) => q[k] !== undefined)
          .map((k) => [k, q[k]]),
      );
      return cicdHealth(ctx.db, {
        tenantId,
        ...(q.team === undefined ? {} : { team: await teamByName(ctx.db, tenantId, q.team) }),
        from,
        to,
        timeZone,
        interval: q.interval ?? 'week',
        groupBy: q.group_by ?? 'pipeline',
        filters,
      });
    },
  );

  for (const name of METRICS) {
    app.get(
      `/metrics/${name}`,
      {
        schema: {
          tags: ['metrics'],
          summary: `DORA ${name.replace(/-/g, ' ')} over production deployments of every source`,
          querystring: MetricQuerySchema,
          response: { 200: AnswerSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const q = await metricQuery(ctx, req);
        const answer = await COMPUTE[name](ctx.db, q);
        const query = new URLSearchParams(req.query as Record<string, string>).toString();
        return { ...answer, records_url: `/v1/metrics/${name}/records${query === '' ? '' : `?${query}`}` };
      },
    );
    app.get(
      `/metrics/${name}/records`,
      {
        schema: {
          tags: ['metrics'],
          summary: `The records behind ${name.replace(/-/g, ' ')}, newest first (format=csv for a file)`,
          querystring: RecordsQuerySchema,
          response: {
            200: Type.Object({
              metric: Type.String(),
              columns: Type.Array(Type.String()),
              rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              next_offset: Type.Union([Type.Integer(), Type.Null()]),
            }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (req, reply) => {
        const q = await metricQuery(ctx, req);
        const { limit, offset, format } = req.query as { limit?: number; offset?: number; format?: 'json' | 'csv' };
        const page = await metricRecords(ctx.db, name, q, limit ?? 100, offset ?? 0);
        if (format === 'csv') {
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}.csv"`)
            .send(toCsv(page));
        }
        return { metric: name, ...page };
      },
    );
  }

  app.get(
    '/metrics/profile',
    {
      schema: {
        tags: ['metrics'],
        summary: 'The DORA profile: which runs are production deployments and which failed',
        response: { 200: Type.Object({ profile: DoraProfileSchema }), ...errors(401, 403) },
      },
    },
    async (req) => ({ profile: await loadProfile(ctx.db, tenantOf(req)) }),
  );

  app.get(
    '/metrics/profile/defaults',
    {
      schema: {
        tags: ['metrics'],
        summary: 'The default DORA profile (what counts with no setup); PUT it to /v1/metrics/profile to reset',
        response: { 200: Type.Object({ profile: DoraProfileSchema }), ...errors(401, 403) },
      },
    },
    async () => ({ profile: DEFAULT_PROFILE }),
  );

  app.put(
    '/metrics/profile',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Change the DORA profile (any of its fields); metrics follow it at once',
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: Type.Object({ profile: DoraProfileSchema }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const profile = mergeProfile(await loadProfile(ctx.db, tenantId), req.body);
      await applyProfile(ctx.db, tenantId, profile);
      return { profile };
    },
  );

  app.post(
    '/metrics/profile/preview',
    {
      schema: {
        tags: ['metrics'],
        summary: 'What a profile change would do to the deployments of a window, before saving it',
        querystring: Type.Pick(MetricQuerySchema, ['from', 'to', 'time_zone']),
        body: Type.Record(Type.String(), Type.Unknown()),
        response: {
          200: Type.Object({
            window: Type.Object({ from: Type.String(), to: Type.String() }),
            current: Type.Object({ deployments: Type.Integer(), failed: Type.Integer() }),
            proposed: Type.Object({ deployments: Type.Integer(), failed: Type.Integer() }),
            added: Type.Integer({ description: 'Runs the change turns into deployments.' }),
            removed: Type.Integer({ description: 'Deployments the change turns back into plain runs.' }),
            message: Type.String(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const q = req.query as MetricQueryInput;
      const { from, to } = parseWindow(
        { from: q.from, to: q.to },
        checkTimeZone(q.time_zone ?? 'UTC'),
        ctx.sync.clock.now(),
      );
      const current = await loadProfile(ctx.db, tenantId);
      const proposed = mergeProfile(current, req.body);
      const before = await deploymentIds(ctx.db, tenantId, current, from, to);
      const after = await deploymentIds(ctx.db, tenantId, proposed, from, to);
      const added = [...after.keys()].filter((id) => !before.has(id)).length;
      const removed = [...before.keys()].filter((id) => !after.has(id)).length;
      const failed = (m: Map<string, boolean>) => [...m.values()].filter(Boolean).length;
      return {
        window: { from: from.toISOString(), to: to.toISOString() },
        current: { deployments: before.size, failed: failed(before) },
        proposed: { deployments: after.size, failed: failed(after) },
        added,
        removed,
        message:
          `This change turns ${added} run(s) into deployments and ${removed} deployment(s) back into runs: ` +
          `${before.size} → ${after.size} deployments, ${failed(before)} → ${failed(after)} failed.`,
      };
    },
  );
}
