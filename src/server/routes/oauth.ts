import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { finishSignIn, type CallbackQuery, startSignIn } from '../../sync/sign-in.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors, IdParam, Timestamp } from '../schemas.js';

export const CALLBACK_PATH = '/v1/oauth/callback';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A small page for the person the upstream sent back: never a token, only what happened. */
function page(reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)} · OpenSEI</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto"><h1>${escape(title)}</h1>` +
        `<p>${escape(text)}</p><p><a href="/integrations">Back to your integrations</a></p></body></html>`,
    );
}

/** Where the upstream sends the person back: SEI_PUBLIC_URL when set, else the address this request came to. */
function redirectUri(ctx: AppContext, req: FastifyRequest): string {
  const base = ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
  return `${base}${CALLBACK_PATH}`;
}

export function oauthRoutes(app: FastifyInstance, ctx: AppContext, prefix: string): void {
  const deps = { db: ctx.db, integrations: ctx.integrations, credentials: ctx.credentials, service: ctx.sync };

  app.post(
    '/integrations/:id/oauth/authorize',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Start (or redo) "sign in with GitLab" for an OAuth integration',
        description:
          `Answers the URL to open in a browser. The upstream sends the person back to ${CALLBACK_PATH} on this ` +
          'server (SEI_PUBLIC_URL, else the address of this request), which must be the redirect URI of the ' +
          'OAuth application. Re-authenticating keeps the integration, its settings and its data.',
        params: IdParam,
        body: Type.Object({}, { additionalProperties: false, 'x-optional-body': true }),
        response: {
          200: Type.Object({ authorize_url: Type.String(), redirect_uri: Type.String(), expires_at: Timestamp }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => startSignIn(deps, tenantOf(req), (req.params as { id: string }).id, redirectUri(ctx, req)),
  );

  app.get(
    '/integrations/:id/oauth',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Whether an OAuth integration is signed in, by whom, and until when its token runs',
        params: IdParam,
        response: {
          200: Type.Object({
            authorized: Type.Boolean(),
            authorized_by: Type.Union([Type.String(), Type.Null()]),
            updated_at: Type.Union([Timestamp, Type.Null()]),
            expires_at: Type.Union([Timestamp, Type.Null()]),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (req) => {
      const tenant = tenantOf(req);
      const integration = await ctx.integrations.get(ctx.db, tenant, (req.params as { id: string }).id);
      const info = await ctx.credentials.info(ctx.db, tenant, integration.id);
      return {
        authorized: info !== null,
        authorized_by: info?.authorized_by ?? null,
        updated_at: info?.updated_at ?? null,
        expires_at: info?.expires_at ?? null,
      };
    },
  );

  // The callback is served once, at /v1 (the redirect URI registered with the upstream).
  if (prefix !== '/v1') return;
  app.get(
    '/oauth/callback',
    {
      config: { access: 'public' },
      schema: {
        tags: ['integrations'],
        summary: 'Where the upstream sends the person back after signing in (the OAuth redirect URI)',
        querystring: Type.Object(
          {
            state: Type.Optional(Type.String({ maxLength: 512 })),
            code: Type.Optional(Type.String({ maxLength: 4096 })),
            error: Type.Optional(Type.String({ maxLength: 512 })),
            error_description: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (req, reply) => {
      try {
        const done = await finishSignIn(deps, req.query as CallbackQuery);
        const who = done.authorized_by === null ? '' : ` as ${done.authorized_by}`;
        return page(reply, 200, 'Signed in', `Integration "${done.name}" is signed in${who}. You can close this page.`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return page(reply, err.status, 'Sign-in failed', err.message);
      }
    },
  );
}
