import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { inStorableRange } from '../../metrics/window.js';
import { InputError } from '../../core/errors.js';
import { UUID_PATTERN } from '../../ingest/custom-cicd-schema.js';
import { RESULTS } from '../../domain/results.js';
import { getRun, listRuns, type RunFilter } from '../../store/runs.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam, Timestamp } from '../schemas.js';

const N = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

const RunSchema = Type.Object({
  id: Type.String(),
  integration_id: Type.String(),
  instance_guid: N(Type.String({ description: 'The webhook instance; null for runs pulled by a connector.' })),
  source: Type.String(),
  run_key: Type.String(),
  execution_id: N(Type.String()),
  pipeline: Type.String(),
  job_full_name: Type.String(),
  qualified_name: Type.String(),
  instance_name: Type.String(),
  instance_url: N(Type.String()),
  project_name: N(Type.String()),
  user_id: N(Type.String()),
  repo_url: N(Type.String()),
  build_number: N(Type.String()),
  branch_name: N(Type.String()),
  module_name: N(Type.String()),
  result: Type.String({ description: `Canonical: ${RESULTS.join(', ')}.` }),
  result_raw: Type.String({ description: 'The result as it was posted.' }),
  start_time: Timestamp,
  end_time: N(Timestamp),
  duration_ms: N(Type.Integer()),
  queued_ms: N(Type.Integer({ description: 'How long it waited for a runner, where the source says (GitLab).' })),
  ci: N(Type.Boolean()),
  cd: N(Type.Boolean()),
  cfr_status: N(Type.Boolean()),
  themes: Type.Array(Type.String()),
  web_url: N(Type.String()),
  trigger_type: N(Type.String()),
  trigger_chain: Type.Array(Type.Object({ id: Type.String(), type: N(Type.String()) })),
  revision: Type.Integer({ description: 'How many times the run was posted.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const StepSchema = Type.Object({
  name: Type.String(),
  description: N(Type.String()),
  result: N(Type.String()),
  state: N(Type.String()),
  duration_ms: N(Type.Integer()),
});

const RunDetailSchema = Type.Composite([
  RunSchema,
  Type.Object({
    stages: Type.Array(
      Type.Composite([
        StepSchema,
        Type.Object({
          identifier: N(Type.String()),
          stage_type: N(Type.String()),
          start_time: N(Timestamp),
          end_time: N(Timestamp),
          steps: Type.Array(StepSchema),
        }),
      ]),
    ),
    scm_commit_ids: Type.Array(Type.String()),
    commits: Type.Array(
      Type.Object({
        sha: Type.String(),
        message: N(Type.String()),
        author: N(Type.String()),
        author_email: N(Type.String()),
        committed_at: N(Timestamp),
      }),
    ),
    deploy_targets: Type.Array(
      Type.Object({
        service: N(Type.String()),
        environment: N(Type.String()),
        environment_type: N(Type.String()),
        infrastructure: N(Type.String()),
      }),
    ),
    artifacts: Type.Array(
      Type.Object({
        input: N(Type.Boolean()),
        output: N(Type.Boolean()),
        type: N(Type.String()),
        location: N(Type.String()),
        name: N(Type.String()),
        qualifier: N(Type.String()),
        hash: N(Type.String()),
        metadata: N(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
    job_run_params: Type.Array(
      Type.Object({ type: N(Type.String()), name: Type.String(), value: N(Type.String()), value_type: Type.String() }),
    ),
  }),
]);

const Query = Type.Object({
  instance_guid: Type.Optional(Type.String({ pattern: UUID_PATTERN })),
  pipeline: Type.Optional(Type.String({ maxLength: 1024 })),
  result: Type.Optional(Type.String({ maxLength: 64, description: `One of ${RESULTS.join(', ')}.` })),
  branch: Type.Optional(Type.String({ maxLength: 1024 })),
  cd: Type.Optional(Type.Boolean({ description: 'true: deployments only; false: builds only.' })),
  since: Type.Optional(Type.String({ maxLength: 64, description: 'Start time from (ISO 8601 or epoch ms).' })),
  until: Type.Optional(Type.String({ maxLength: 64, description: 'Start time before (ISO 8601 or epoch ms).' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page.' })),
});

function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{1,16}$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d|^\d{4}-/.test(value) || !inStorableRange(date.getTime())) {
    throw new InputError(
      'invalid_time',
      `${field} must be an ISO 8601 time or epoch milliseconds, from 1970 to 9999.`,
      { field },
    );
  }
  return date;
}

function encodeCursor(startTime: Date, id: string): string {
  return Buffer.from(`${startTime.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): RunFilter['after'] {
  if (cursor === undefined) return undefined;
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startTime = new Date(time ?? '');
  if (id === undefined || !/^\d{1,18}$/.test(id) || !inStorableRange(startTime.getTime())) {
    throw new InputError('invalid_cursor', 'cursor is not a next_cursor this API gave.', { field: 'cursor' });
  }
  return { startTime, id: Number(id) };
}

export function runRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/cicd/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'CI/CD runs from every source, newest first, filtered and paged',
        querystring: Query,
        response: {
          200: Type.Object({ runs: Type.Array(RunSchema), next_cursor: N(Type.String()) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const q = req.query as Omit<RunFilter, 'since' | 'until' | 'after' | 'instanceGuid'> & {
        instance_guid?: string;
        since?: string;
        until?: string;
        cursor?: string;
      };
      if (q.result !== undefined && !(RESULTS as readonly string[]).includes(q.result)) {
        throw new InputError('invalid_result', `result must be one of ${RESULTS.join(', ')}.`, { field: 'result' });
      }
      const runs = await listRuns(ctx.db, tenantOf(req), {
        instanceGuid: q.instance_guid?.toLowerCase(),
        pipeline: q.pipeline,
        result: q.result,
        branch: q.branch,
        cd: q.cd,
        since: parseTime(q.since, 'since'),
        until: parseTime(q.until, 'until'),
        limit: q.limit,
        after: decodeCursor(q.cursor),
      });
      const last = runs.at(-1);
      return {
        runs,
        next_cursor: runs.length === q.limit && last !== undefined ? encodeCursor(last.start_time, last.id) : null,
      };
    },
  );

  app.get(
    '/cicd/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'One run with its stages and steps, commits, artifacts and parameters',
        params: IdParam,
        response: { 200: RunDetailSchema, ...errors(401, 403, 404) },
      },
    },
    async (req) => getRun(ctx.db, tenantOf(req), (req.params as { id: string }).id),
  );
}
