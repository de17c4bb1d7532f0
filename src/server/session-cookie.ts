import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { safeEqual } from '../core/crypto.js';

/** The cookie that carries a web sign-in (an opaque token; never the API key). */
export const SESSION_COOKIE = 'sei_session';

/** The header a cookie-authenticated page sends on every unsafe request (double submit). */
export const CSRF_HEADER = 'x-sei-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reads one cookie from the Cookie header. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The CSRF token of a session, derived from its cookie token (one way), so it needs no storage and a page
 * that reloads gets it back from GET /v1/session. Another site can neither read the cookie nor the answer.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf:${sessionToken}`, 'utf8').digest('base64url');
}

/** Whether an unsafe request made with the cookie carries the session's CSRF token. */
export function csrfOk(req: FastifyRequest, sessionToken: string): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  const sent = req.headers[CSRF_HEADER];
  return typeof sent === 'string' && safeEqual(sent, csrfTokenFor(sessionToken));
}

/** Set-Cookie value for a session token; Secure when the browser reaches us over https. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

/** Whether the browser talks to us over https (directly, or as SEI_PUBLIC_URL says behind a proxy). */
export function isSecure(req: FastifyRequest, publicUrl: string | undefined): boolean {
  return req.protocol === 'https' || (publicUrl?.startsWith('https:') ?? false);
}
