import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../core/errors.js';
import { isSecure } from './session-cookie.js';

/** Sent on every answer unless the route set its own (the web app's page sets its CSP and caching). */
const HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // API answers carry tenant data: no shared or browser cache keeps them. Static files set their own.
  'cache-control': 'no-store',
};

// A JSON answer is never a document: nothing may run in it or frame it, even if a browser is tricked into it.
const JSON_CSP = "default-src 'none'; frame-ancestors 'none'";

const HSTS = 'max-age=31536000';

/** The onSend hook that adds the security headers (HSTS only when the browser reaches us over https). */
export function securityHeaders(publicUrl: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    for (const [name, value] of Object.entries(HEADERS)) {
      if (!reply.hasHeader(name)) void reply.header(name, value);
    }
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /json/i.test(type) && !reply.hasHeader('content-security-policy')) {
      void reply.header('content-security-policy', JSON_CSP);
    }
    if (isSecure(req, publicUrl)) void reply.header('strict-transport-security', HSTS);
    return payload;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * Defence in depth beside SameSite=Strict and the X-SEI-CSRF header: a request that changes something and
 * carries no API key (so it can only be authenticated by the browser's cookie, or be a sign-in) must come
 * from our own pages. The browser's `Sec-Fetch-Site` says so when sent (`same-origin`, or `none` for what the
 * user did); a sibling subdomain (`same-site`) is refused too, as SameSite cookies reach it. Without it, an
 * `Origin` other than the host asked (or `SEI_PUBLIC_URL`'s), or `null`, is refused.
 */
export function sameOriginGuard(publicUrl: string | undefined) {
  const publicHost = publicUrl === undefined ? undefined : hostOf(publicUrl);
  return async (req: FastifyRequest): Promise<void> => {
    if (SAFE_METHODS.has(req.method)) return;
    const auth = req.headers.authorization;
    if (auth !== undefined && auth.trim() !== '') return;
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    let foreign: boolean;
    if (typeof site === 'string' && site !== '') {
      foreign = site !== 'same-origin' && site !== 'none';
    } else {
      const host = origin === undefined ? undefined : hostOf(origin);
      foreign = origin !== undefined && (host === undefined || (host !== req.host && host !== publicHost));
    }
    if (foreign) {
      throw new ForbiddenError(
        "Calls made with the web session must come from this server's own pages; behind a proxy that " +
          'changes the Host header, set SEI_PUBLIC_URL.',
        'cross_site_request',
      );
    }
  };
}
