import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

const READY_TIMEOUT_MS = 5000;

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the server answers (never touches the database)',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.String(), reason: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ctx.db.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('the database did not answer in time')), READY_TIMEOUT_MS);
          }),
        ]);
        return { status: 'ready' as const, database: ctx.db.kind };
      } catch (err) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, database: ctx.db.kind, reason: (err as Error).message });
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
