import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createTeam, deleteTeam, listTeams, type TeamChange, updateTeam } from '../../store/teams.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam, Timestamp } from '../schemas.js';

const Names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200, description });

const Fields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  services: Names('Services as deployments name them: a webhook pipeline, a Harness service, a GitLab project path.'),
  repositories: Names('Repository full paths (GitLab group/project).'),
};

const TeamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  services: Type.Array(Type.String()),
  repositories: Type.Array(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function teamRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Teams: the services and repositories the metrics count for each (metrics take team=<name>)',
        response: { 200: Type.Object({ teams: Type.Array(TeamSchema) }), ...errors(401, 403) },
      },
    },
    async (req) => ({ teams: await listTeams(ctx.db, tenantOf(req)) }),
  );

  app.post(
    '/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Make a team',
        body: Type.Object(
          {
            name: Fields.name,
            services: Type.Optional(Fields.services),
            repositories: Type.Optional(Fields.repositories),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ team: TeamSchema }), ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const team = await createTeam(ctx.db, tenantOf(req), req.body as TeamChange & { name: string });
      return reply.code(201).send({ team });
    },
  );

  app.put(
    '/teams/:id',
    {
      schema: {
        tags: ['teams'],
        summary: 'Change a team (any of its fields)',
        params: IdParam,
        body: Type.Partial(Type.Object(Fields), { additionalProperties: false }),
        response: { 200: Type.Object({ team: TeamSchema }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => ({
      team: await updateTeam(ctx.db, tenantOf(req), (req.params as { id: string }).id, req.body as TeamChange),
    }),
  );

  app.delete(
    '/teams/:id',
    {
      schema: {
        tags: ['teams'],
        summary: 'Delete a team (its data stays; only the name goes)',
        params: IdParam,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteTeam(ctx.db, tenantOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    },
  );
}
