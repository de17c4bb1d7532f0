import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, ForbiddenError } from '../../core/errors.js';
import { authenticate } from '../../store/api-keys.js';
import { createSession, findSession, revokeSession, SESSION_TTL_MS, type SessionInfo } from '../../store/sessions.js';
import type { AppContext } from '../context.js';
import { csrfOk, csrfTokenFor, isSecure, readCookie, SESSION_COOKIE, sessionCookie } from '../session-cookie.js';
import { errors, Timestamp } from '../schemas.js';

const SessionSchema = Type.Object({
  tenant_id: Type.String(),
  role: Type.String(),
  key_name: Type.String(),
  key_prefix: Type.String({ description: 'The first characters of the key, to recognise it; never the key.' }),
  expires_at: Timestamp,
  csrf_token: Type.String({ description: 'Send it back as the X-SEI-CSRF header on POST, PUT, PATCH and DELETE.' }),
});

const answer = (s: SessionInfo, token: string) => ({
  tenant_id: s.tenantId,
  role: s.role,
  key_name: s.keyName,
  key_prefix: s.keyPrefix,
  expires_at: s.expiresAt.toISOString(),
  csrf_token: csrfTokenFor(token),
});

const NO_STORE = { 'cache-control': 'no-store' };

async function current(ctx: AppContext, req: FastifyRequest): Promise<{ session: SessionInfo; token: string }> {
  const token = readCookie(req, SESSION_COOKIE);
  const session = token === undefined ? null : await findSession(ctx.db, token);
  if (token === undefined || session === null) throw new AuthError('Nobody is signed in.', 'not_signed_in');
  return { session, token };
}

/** Web app sign-in: an API key in a JSON body becomes an httpOnly session cookie (served at /v1 only). */
export function sessionRoutes(app: FastifyInstance, ctx: AppContext, prefix: string): void {
  if (prefix !== '/v1') return;
  const clear = (req: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', sessionCookie('', 0, isSecure(req, ctx.config.publicUrl)));

  app.post(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in to the web app with an admin API key (sets an httpOnly session cookie)',
        security: [],
        body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: SessionSchema, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const principal = await authenticate(ctx.db, (req.body as { key: string }).key.trim());
      if (principal === null) throw new AuthError('The API key is unknown or revoked.', 'invalid_api_key');
      if (principal.role !== 'admin') {
        throw new ForbiddenError('The web app needs an admin key; this one can only send runs.', 'insufficient_role');
      }
      const { token } = await createSession(ctx.db, principal);
      const session = await findSession(ctx.db, token);
      if (session === null) throw new AuthError('The API key was revoked while signing in.', 'invalid_api_key');
      return reply
        .code(201)
        .headers(NO_STORE)
        .header('set-cookie', sessionCookie(token, SESSION_TTL_MS / 1000, isSecure(req, ctx.config.publicUrl)))
        .send(answer(session, token));
    },
  );

  app.get(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Who is signed in to the web app (401 when nobody is)',
        security: [],
        response: { 200: SessionSchema, ...errors(401) },
      },
    },
    async (req, reply) => {
      const { session, token } = await current(ctx, req);
      return reply.headers(NO_STORE).send(answer(session, token));
    },
  );

  app.delete(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign out of the web app (needs the X-SEI-CSRF header)',
        security: [],
        response: { 204: Type.Null(), ...errors(401, 403) },
      },
    },
    async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      const session = token === undefined ? null : await findSession(ctx.db, token);
      if (token === undefined || session === null) return clear(req, reply).code(204).send();
      if (!csrfOk(req, token)) {
        throw new ForbiddenError('The X-SEI-CSRF header is missing or wrong: reload the page.', 'csrf_failed');
      }
      await revokeSession(ctx.db, session.tenantId, session.sessionId);
      return clear(req, reply).code(204).send();
    },
  );
}
