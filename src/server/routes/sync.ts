import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getJob } from '../../sync/jobs.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam, Timestamp } from '../schemas.js';

const N = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const ErrorInfo = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);

const ReportSchema = Type.Object({
  outcome: Type.Union(
    ['ok', 'invalid_credentials', 'invalid_permissions', 'no_resources', 'unreachable', 'invalid_settings'].map((o) =>
      Type.Literal(o),
    ),
  ),
  message: Type.String(),
  checks: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.String(),
      status: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped')]),
      message: Type.String(),
    }),
  ),
});

const StreamSchema = Type.Object({
  stream: Type.String(),
  status: Type.String(),
  records: Type.Integer(),
  pages: Type.Integer(),
  error: ErrorInfo,
  started_at: Timestamp,
  finished_at: N(Timestamp),
});

const JobSchema = Type.Object({
  id: Type.String(),
  integration_id: Type.String(),
  mode: Type.String(),
  trigger: Type.String(),
  status: Type.String({ description: 'queued, running, succeeded, partial, failed or canceled' }),
  requested_at: Timestamp,
  started_at: N(Timestamp),
  finished_at: N(Timestamp),
  heartbeat_at: N(Timestamp),
  progress: Type.Record(Type.String(), Type.Unknown()),
  error: ErrorInfo,
  streams: Type.Optional(Type.Array(StreamSchema)),
});

const StatusSchema = Type.Object({
  integration_id: Type.String(),
  sync_enabled: Type.Boolean(),
  sync_interval_minutes: Type.Integer(),
  next_sync_at: N(Timestamp),
  active: Type.Union([JobSchema, Type.Null()]),
  last_success: Type.Union([JobSchema, Type.Null()]),
  history: Type.Array(JobSchema),
});

export function syncRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/integrations/validate',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Validate Connection before saving: pre-flight checks with the given settings (nothing is stored)',
        body: Type.Object(
          { type: Type.String({ minLength: 1, maxLength: 64 }), settings: Type.Record(Type.String(), Type.Unknown()) },
          { additionalProperties: false },
        ),
        response: { 200: ReportSchema, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const body = req.body as { type: string; settings: Record<string, unknown> };
      ctx.integrations.typeOf(body.type);
      return ctx.sync.validateSettings(body.type, body.settings);
    },
  );

  app.post(
    '/integrations/:id/validate',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Validate Connection of a saved integration (optionally with changed settings)',
        params: IdParam,
        body: Type.Object(
          { settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
          { additionalProperties: false, 'x-optional-body': true },
        ),
        response: { 200: ReportSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const body = (req.body ?? {}) as { settings?: Record<string, unknown> };
      return ctx.sync.validateIntegration(tenantOf(req), (req.params as { id: string }).id, body.settings);
    },
  );

  app.post(
    '/integrations/:id/sync',
    {
      schema: {
        tags: ['sync'],
        summary: 'Sync now: incremental (default) or a full resync; answers the queued or running job',
        params: IdParam,
        body: Type.Object(
          { mode: Type.Optional(Type.Union([Type.Literal('incremental'), Type.Literal('full')])) },
          { additionalProperties: false, 'x-optional-body': true },
        ),
        response: { 202: JobSchema, 200: JobSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const mode = ((req.body ?? {}) as { mode?: 'incremental' | 'full' }).mode ?? 'incremental';
      const { job, created } = await ctx.sync.requestSync(
        tenantOf(req),
        (req.params as { id: string }).id,
        mode,
        'manual',
      );
      ctx.onSyncRequested?.();
      return reply.code(created ? 202 : 200).send(job);
    },
  );

  app.get(
    '/integrations/:id/sync',
    {
      schema: {
        tags: ['sync'],
        summary: 'Sync status: running job with progress, last success, next run, recent history per stream',
        params: IdParam,
        response: { 200: StatusSchema, ...errors(401, 403, 404) },
      },
    },
    async (req) => ctx.sync.status(tenantOf(req), (req.params as { id: string }).id),
  );

  app.post(
    '/integrations/:id/replay',
    {
      schema: {
        tags: ['sync'],
        summary: "Rebuild the integration's runs from its stored raw records with the current mapping",
        params: IdParam,
        response: {
          200: Type.Object({
            records: Type.Integer({ description: 'Raw records replayed' }),
            runs: Type.Integer(),
            repos: Type.Integer(),
            commits: Type.Integer(),
            merge_requests: Type.Integer(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => ctx.sync.replay(tenantOf(req), (req.params as { id: string }).id),
  );

  app.get(
    '/sync/jobs/:id',
    {
      schema: {
        tags: ['sync'],
        summary: 'One sync job with its per-stream results',
        params: IdParam,
        response: { 200: JobSchema, ...errors(401, 403, 404) },
      },
    },
    async (req) => getJob(ctx.db, tenantOf(req), (req.params as { id: string }).id),
  );
}
