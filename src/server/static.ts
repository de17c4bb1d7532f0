import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The page talks to this server only and runs nothing inline.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** A file under `root`, or undefined (also for `..` tricks and folders). */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = normalize(join(root, decoded));
  if (!full.startsWith(root + sep)) return undefined;
  try {
    return statSync(full).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

function send(reply: FastifyReply, file: string, cache: string): FastifyReply {
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  reply.header('content-type', type).header('cache-control', cache).header('x-content-type-options', 'nosniff');
  if (type.startsWith('text/html')) {
    reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
  }
  return reply.send(createReadStream(file));
}

/**
 * Serves the built web app (`dist/web`): hashed assets cached for a year, `index.html` never cached and
 * answered for any other non-API GET path so the app's own routes survive a reload. API paths keep their
 * JSON 404. Files are looked up per request, so building the app while the server runs is enough.
 */
export function webRoutes(app: FastifyInstance, root: string, apiPrefixes: readonly string[]): void {
  const isApi = (path: string) =>
    apiPrefixes.some((p) => path === p || path.startsWith(p + '/')) || path.startsWith('/docs');
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (isApi(path)) return reply.callNotFound();
    const file = path === '/' ? undefined : fileUnder(root, path);
    if (file !== undefined) {
      const hashed = path.startsWith('/assets/');
      return send(reply, file, hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    }
    // A missing asset is a plain 404, not the page (a stale tab asking for an old bundle).
    if (path.startsWith('/assets/')) return reply.callNotFound();
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      return reply.code(404).send({
        error: {
          code: 'web_app_not_built',
          message: 'The web app is not built: run `npm run build` (npm start does).',
        },
      });
    }
    return send(reply, index, 'no-cache');
  });
}
