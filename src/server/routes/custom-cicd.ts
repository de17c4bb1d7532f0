import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../../core/errors.js';
import { CustomCicdBodySchema, RunAcceptedSchema } from '../../ingest/custom-cicd-schema.js';
import { splitNdjson } from '../../ingest/service.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors } from '../schemas.js';

const LineResultSchema = Type.Object({
  line: Type.Integer({ description: 'Line number in the body (array index + 1 for a JSON array).' }),
  status: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('rejected')]),
  id: Type.Optional(Type.String()),
  run_key: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
      details: Type.Optional(Type.Array(Type.Unknown())),
    }),
  ),
});

const BulkResultSchema = Type.Object({
  received: Type.Integer(),
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(LineResultSchema),
});

/** Validation happens in the ingest module after unwrapping; the route schema documents the body. */
const passThrough = () => (data: unknown) => ({ value: data });

export function customCicdRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/custom-cicd',
    {
      config: { access: 'ingest' },
      validatorCompiler: passThrough,
      schema: {
        tags: ['custom-cicd'],
        summary: 'Send one CI/CD run (a 2xx answer means it is stored)',
        description:
          'Re-sending a run with the same execution_id (else the same job and build_number) updates it. ' +
          'Aliases: pipeline <- job_name; qualified_name <- job_normalized_full_name <- job_full_name.',
        body: CustomCicdBodySchema,
        response: {
          200: RunAcceptedSchema,
          201: RunAcceptedSchema,
          ...errors(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (req, reply) => {
      const accepted = await ctx.ingest.ingestOne(tenantOf(req), req.body);
      return reply.code(accepted.status === 'created' ? 201 : 200).send(accepted);
    },
  );

  app.post(
    '/custom-cicd/bulk',
    {
      config: { access: 'ingest' },
      bodyLimit: ctx.config.bulkBodyLimit,
      validatorCompiler: passThrough,
      schema: {
        tags: ['custom-cicd'],
        summary: 'Send many runs: NDJSON (one run per line) or a JSON array; answers a result per line',
        description:
          'Every valid line is stored even when others are rejected. 200 when all were accepted, 207 otherwise.',
        consumes: ['application/x-ndjson', 'application/json'],
        body: Type.Union([Type.String({ description: 'NDJSON' }), Type.Array(CustomCicdBodySchema)]),
        response: { 200: BulkResultSchema, 207: BulkResultSchema, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      let items: { line: number; text?: string; value?: unknown }[];
      if (typeof body === 'string') items = splitNdjson(body, ctx.config.bulkMaxLines);
      else if (Array.isArray(body)) {
        if (body.length === 0) throw new InputError('empty_body', 'The array holds no runs.');
        if (body.length > ctx.config.bulkMaxLines) {
          throw new InputError(
            'too_many_lines',
            `A bulk request holds at most ${ctx.config.bulkMaxLines} runs; split it.`,
          );
        }
        items = body.map((value, i) => ({ line: i + 1, value }));
      } else {
        throw new InputError('invalid_body', 'Send NDJSON (application/x-ndjson) or a JSON array of runs.');
      }
      const result = await ctx.ingest.ingestBulk(tenantOf(req), items);
      return reply.code(result.rejected === 0 ? 200 : 207).send(result);
    },
  );
}
