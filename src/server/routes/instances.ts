import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InputError, NotFoundError } from '../../core/errors.js';
import { createInstance, deleteInstance, getInstance, listInstances } from '../../store/instances.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, Timestamp } from '../schemas.js';

const InstanceSchema = Type.Object({
  id: Type.String({ description: 'The instance GUID: send it as instance_guid with each run.' }),
  integration_id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

const CreateBody = Type.Object(
  {
    integration_id: Type.Unsafe<string | number>({
      type: ['string', 'integer'],
      description: 'Id of a Custom CI/CD integration.',
    }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.String({ minLength: 1, maxLength: 64, description: 'The CI/CD tool, e.g. jenkins.' }),
    url: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
  },
  { additionalProperties: false },
);

const GuidParam = Type.Object({ guid: Type.String({ maxLength: 64 }) });

export function instanceRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/cicd/instances',
    {
      schema: {
        tags: ['custom-cicd'],
        summary: 'Make a CI/CD instance GUID under a Custom CI/CD integration',
        body: CreateBody,
        response: { 201: InstanceSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const body = req.body as { integration_id: string | number; name: string; type: string; url?: string | null };
      const integrationId = String(body.integration_id).trim();
      const integration = await ctx.integrations.get(ctx.db, tenantId, integrationId).catch((err: unknown) => {
        if (err instanceof NotFoundError) {
          throw new NotFoundError(
            `integration_id "${integrationId}" is not an integration of this tenant; install a Custom CI/CD ` +
              'integration first (POST /v1/integrations {"type": "custom", "name": ...}).',
            { code: 'integration_not_found', field: 'integration_id' },
          );
        }
        throw err;
      });
      if (ctx.registry.get(integration.type)?.acceptsWebhookRuns !== true) {
        throw new InputError(
          'wrong_integration_type',
          `Integration ${integration.id} is of type "${integration.type}"; CI/CD instances belong to Custom CI/CD integrations.`,
          { field: 'integration_id' },
        );
      }
      const instance = await createInstance(ctx.db, tenantId, {
        integrationId: integration.id,
        name: body.name,
        type: body.type,
        url: body.url ?? null,
      });
      return reply.code(201).send(instance);
    },
  );

  app.get(
    '/cicd/instances',
    {
      schema: {
        tags: ['custom-cicd'],
        summary: 'List CI/CD instances',
        querystring: Type.Object({ integration_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })) }),
        response: { 200: Type.Object({ instances: Type.Array(InstanceSchema) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => ({
      instances: await listInstances(ctx.db, tenantOf(req), (req.query as { integration_id?: string }).integration_id),
    }),
  );

  app.get(
    '/cicd/instances/:guid',
    {
      schema: {
        tags: ['custom-cicd'],
        summary: 'One CI/CD instance',
        params: GuidParam,
        response: { 200: InstanceSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => getInstance(ctx.db, tenantOf(req), (req.params as { guid: string }).guid),
  );

  app.delete(
    '/cicd/instances/:guid',
    {
      schema: {
        tags: ['custom-cicd'],
        summary: 'Delete a CI/CD instance and its runs',
        params: GuidParam,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteInstance(ctx.db, tenantOf(req), (req.params as { guid: string }).guid);
      return reply.code(204).send();
    },
  );
}
