import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { integrationFreshness } from '../../store/freshness.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, Timestamp } from '../schemas.js';

const At = Type.Union([Timestamp, Type.Null()]);

/** `GET /v1/freshness`: how recent the data behind the metrics is ("data as of ..." on every widget). */
export function freshnessRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/freshness',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Data as of when: the last finished sync or received webhook run of each integration',
        response: {
          200: Type.Object({
            as_of: Type.Union([At], {
              description: 'The latest of all: when the newest data reached OpenSEI (null when none did).',
            }),
            integrations: Type.Array(
              Type.Object({
                integration_id: Type.String(),
                name: Type.String(),
                type: Type.String(),
                last_sync_at: At,
                last_received_at: At,
                as_of: At,
              }),
            ),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (req) => {
      const rows = await integrationFreshness(ctx.db, tenantOf(req));
      const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
      const integrations = rows.map((r) => {
        const times = [r.last_sync_at, r.last_received_at].filter((d): d is Date => d !== null);
        const latest = times.length === 0 ? null : new Date(Math.max(...times.map((d) => new Date(d).getTime())));
        return {
          ...r,
          last_sync_at: iso(r.last_sync_at),
          last_received_at: iso(r.last_received_at),
          as_of: iso(latest),
        };
      });
      const all = integrations.map((i) => i.as_of).filter((d): d is string => d !== null);
      return { as_of: all.length === 0 ? null : all.sort().at(-1)!, integrations };
    },
  );
}
