import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createApiKey, listApiKeys, parseRole, revokeApiKey, ROLES } from '../../store/api-keys.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam } from '../schemas.js';

const KeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export function keyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: "List the tenant's API keys (never the keys themselves)",
        response: { 200: Type.Object({ keys: Type.Array(KeyInfo) }), ...errors(401, 403) },
      },
    },
    async (req) => ({ keys: await listApiKeys(ctx.db, tenantOf(req)) }),
  );

  app.post(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the key is shown in this answer only',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ key: Type.String(), info: KeyInfo }), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const body = req.body as { name: string; role: string };
      const created = await createApiKey(ctx.db, tenantOf(req), parseRole(body.role), body.name);
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (it stops working at once)',
        params: IdParam,
        response: { 200: KeyInfo, ...errors(401, 403, 404) },
      },
    },
    async (req) => revokeApiKey(ctx.db, tenantOf(req), (req.params as { id: string }).id),
  );
}
