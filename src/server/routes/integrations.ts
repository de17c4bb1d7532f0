import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IntegrationInput } from '../../store/integrations.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam, Timestamp } from '../schemas.js';

const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 });
const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Type-specific settings; secret ones are answered as "********".',
});

const IntegrationSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  settings: Settings,
  sync_enabled: Type.Boolean(),
  sync_interval_minutes: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const CreateBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, description: 'An integration type, e.g. "custom".' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    tags: Type.Optional(Tags),
    settings: Type.Optional(Settings),
    sync_enabled: Type.Optional(Type.Boolean({ description: 'Sync on a schedule (connector types).' })),
    sync_interval_minutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10080, description: 'Minutes between scheduled syncs (default 60).' }),
    ),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 64 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    tags: Type.Optional(Tags),
    settings: Type.Optional(Settings),
    sync_enabled: Type.Optional(Type.Boolean({ description: 'Sync on a schedule (connector types).' })),
    sync_interval_minutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10080, description: 'Minutes between scheduled syncs (default 60).' }),
    ),
  },
  { additionalProperties: false },
);

const yamlText = (v: unknown): string => JSON.stringify(Array.isArray(v) ? v.join(',') : String(v ?? ''));

/** The satellite.yml the documents say is downloaded after saving an integration; secrets stay placeholders. */
function satelliteYaml(
  req: FastifyRequest,
  tenantId: string,
  integration: { id: string; type: string; settings: Record<string, unknown> },
): string {
  const host = req.headers.host ?? 'localhost';
  const lines = [
    'satellite:',
    `  tenant: ${tenantId}`,
    '  api_key: <SEI_API_KEY>',
    `  url: '${req.protocol}://${host}'`,
    'integrations:',
    `  - id: '${integration.id}'`,
    `    application: ${integration.type}`,
  ];
  const st = integration.settings;
  if (integration.type === 'harnessng') {
    lines.push(
      `    url: ${yamlText(st['url'] ?? 'https://app.harness.io')}`,
      '    api_key: <HARNESS_API_KEY>',
      '    metadata:',
      `      accountId: ${yamlText(st['account_id'])}`,
      `      organization: ${yamlText(st['organizations'])}`,
      `      project: ${yamlText(st['projects'])}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function integrationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const store = ctx.integrations;

  app.get(
    '/integration-types',
    {
      schema: {
        tags: ['integrations'],
        summary: 'The catalogue of integration types this server can install',
        response: {
          200: Type.Object({
            types: Type.Array(
              Type.Object({
                type: Type.String(),
                label: Type.String(),
                description: Type.String(),
                settings: Type.Unknown(),
                secret_fields: Type.Array(Type.String()),
              }),
            ),
          }),
          ...errors(401, 403),
        },
      },
    },
    async () => ({
      types: [...ctx.registry.values()].map((t) => ({
        type: t.type,
        label: t.label,
        description: t.description,
        settings: t.settings,
        secret_fields: [...t.secretFields],
      })),
    }),
  );

  app.get(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        summary: 'List integrations',
        querystring: Type.Object({ type: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Object({ integrations: Type.Array(IntegrationSchema) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => ({
      integrations: await store.list(ctx.db, tenantOf(req), (req.query as { type?: string }).type),
    }),
  );

  app.post(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Install an integration',
        body: CreateBody,
        response: { 201: IntegrationSchema, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await store.create(ctx.db, tenantOf(req), req.body as IntegrationInput)),
  );

  app.get(
    '/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'One integration',
        params: IdParam,
        response: { 200: IntegrationSchema, ...errors(401, 403, 404) },
      },
    },
    async (req) => store.get(ctx.db, tenantOf(req), (req.params as { id: string }).id),
  );

  const update = {
    schema: {
      tags: ['integrations'],
      summary: 'Change an integration; a secret sent back as "********" keeps its stored value',
      params: IdParam,
      body: UpdateBody,
      response: { 200: IntegrationSchema, ...errors(400, 401, 403, 404, 409) },
    },
  };
  const updateHandler = async (req: FastifyRequest) =>
    store.update(ctx.db, tenantOf(req), (req.params as { id: string }).id, req.body as IntegrationInput);
  app.patch('/integrations/:id', update, updateHandler);
  app.put('/integrations/:id', { ...update, schema: { ...update.schema, hide: true } }, updateHandler);

  app.delete(
    '/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Delete an integration with its CI/CD instances and their runs',
        params: IdParam,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await store.remove(ctx.db, tenantOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/integrations/:id/satellite.yml',
    {
      schema: {
        tags: ['integrations'],
        summary: 'The satellite.yml for this integration (fill in your API key)',
        params: IdParam,
        produces: ['application/yaml'],
        response: { 200: Type.String(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const integration = await store.get(ctx.db, tenantId, (req.params as { id: string }).id);
      return reply
        .type('application/yaml')
        .header('content-disposition', 'attachment; filename="satellite.yml"')
        .send(satelliteYaml(req, tenantId, integration));
    },
  );
}
