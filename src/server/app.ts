import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TSchema } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../core/config.js';
import type { SecretBox } from '../core/crypto.js';
import { InputError, validationError } from '../core/errors.js';
import { compileFor, detailsOf } from '../core/validate.js';
import { findUnstorableText, parseJson } from '../ingest/json.js';
import { CustomCicdIngest } from '../ingest/service.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { Db } from '../store/db.js';
import { IntegrationStore } from '../store/integrations.js';
import { SyncService } from '../sync/service.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { authHook } from './auth.js';
import { serverLimits } from './limits.js';
import { rateLimitHooks } from './rate-limit.js';
import { sameOriginGuard, securityHeaders } from './security-headers.js';

/** What a request log line says of the request; secrets in the query (OAuth code, state) masked. */
export function requestForLog(req: {
  method: string;
  url: string;
  host?: string;
  ip?: string;
}): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url.replace(/([?&](?:code|state|access_token|refresh_token|token|key)=)[^&#]*/gi, '$1[redacted]'),
    host: req.host,
    remoteAddress: req.ip,
  };
}
import type { AppContext } from './context.js';
import { errorHandler } from './errors.js';
import { customCicdRoutes } from './routes/custom-cicd.js';
import { healthRoutes } from './routes/health.js';
import { instanceRoutes } from './routes/instances.js';
import { integrationRoutes } from './routes/integrations.js';
import { keyRoutes } from './routes/keys.js';
import { runRoutes } from './routes/runs.js';
import { syncRoutes } from './routes/sync.js';
import { oauthRoutes } from './routes/oauth.js';
import { metricRoutes } from './routes/metrics.js';
import { CredentialStore } from '../store/credentials.js';
import { ErrorSchema } from './schemas.js';
import { freshnessRoutes } from './routes/freshness.js';
import { filterValueRoutes } from './routes/filter-values.js';
import { teamRoutes } from './routes/teams.js';
import { sessionRoutes } from './routes/session.js';
import { webRoutes } from './static.js';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';

/** SEI_TRUST_PROXY as Fastify takes it: a hop count trusts that many proxies nearest the server. */
function trustProxy(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Base paths the source documents give for their environments; a copied base URL works unchanged. */
export const API_PREFIXES = ['/v1', '/sei/api/v1', '/gratis/sei/api/v1', '/prod1/sei/api/v1', '/gateway/sei/api/v1'];

export interface AppDeps {
  db: Db;
  connectors?: ConnectorRegistry;
  /** Shared with the sync worker; made here when not given. */
  sync?: SyncService;
  onSyncRequested?: () => void;
  config: Config;
  registry: IntegrationRegistry;
  box: SecretBox;
  logger?: FastifyServerOptions['logger'];
  version?: string;
  /** The built web app to serve (default `dist/web` of the package). */
  webRoot?: string;
}

/** Builds the HTTP server; nothing listens until the caller calls `listen`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Every request log line goes through one serializer: the OAuth callback's code and state (credentials of a
    // sign-in in progress) never reach the log.
    logger:
      deps.logger === undefined || deps.logger === false
        ? false
        : { ...(deps.logger === true ? {} : deps.logger), serializers: { req: requestForLog } },
    bodyLimit: deps.config.bodyLimit,
    // Slow clients are cut off (SEI_HEADERS_TIMEOUT_MS, SEI_REQUEST_TIMEOUT_MS); the default 2 min is enough for
    // a 64 MiB bulk body on a slow link.
    ...serverLimits(deps.config),
    // Behind a reverse proxy (SEI_TRUST_PROXY): the client's address, scheme and host as the proxy forwards them.
    trustProxy: trustProxy(deps.config.trustProxy),
    ajv: { customOptions: { allErrors: true } },
    // Fields are named as sent (`limit`, `settings.url`), whichever part of the request they are in.
    schemaErrorFormatter: (errors) => validationError(detailsOf(errors as never)),
    // A broken percent-encoding or an over-long path parameter is answered in the house shape too.
    frameworkErrors: errorHandler,
  });
  const integrations = new IntegrationStore(deps.registry, deps.box);
  const credentials = new CredentialStore(deps.box);
  const ctx: AppContext = {
    db: deps.db,
    config: deps.config,
    registry: deps.registry,
    integrations,
    credentials,
    ingest: new CustomCicdIngest(deps.db),
    sync:
      deps.sync ??
      new SyncService({ db: deps.db, connectors: deps.connectors ?? new Map(), integrations, credentials }),
    ...(deps.onSyncRequested === undefined ? {} : { onSyncRequested: deps.onSyncRequested }),
  };

  app.decorateRequest('principal', null);
  app.setValidatorCompiler(({ schema, httpPart }) => compileFor(schema as TSchema, httpPart ?? 'body'));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'route_not_found', message: `No route ${req.method} ${req.url}.` } });
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/x-ndjson', 'application/jsonl'],
    { parseAs: 'string' },
    (req, body, done) => {
      const text = body as string;
      const type = req.headers['content-type'] ?? '';
      if (/ndjson|jsonl/i.test(type)) {
        done(null, text);
        return;
      }
      try {
        done(null, parseJson(text));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );

  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenSEI API',
        version: deps.version ?? '0.1.0',
        description:
          'Software Engineering Insights: ingestion (custom CI/CD webhook), integrations, runs. ' +
          'Authenticate with the header `Authorization: ApiKey <key>`. Every path under /v1 is also served under ' +
          API_PREFIXES.slice(1).join(', ') +
          '.',
      },
      components: {
        securitySchemes: {
          ApiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The value is "ApiKey <key>".',
          },
        },
      },
      security: [{ ApiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json['$id'] ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.addHook('onRequest', async (req) => {
    // Routes registered by plugins (docs assets) carry no access level: they are public documentation.
    if (req.routeOptions.url?.startsWith('/docs') === true) req.routeOptions.config.access = 'public';
  });
  const limits = rateLimitHooks(deps.config, API_PREFIXES);
  app.addHook('onRequest', sameOriginGuard(deps.config.publicUrl));
  app.addHook('onRequest', limits.beforeAuth);
  // Before the body is parsed and checked: a caller without a valid key learns nothing of the input rules.
  app.addHook('onRequest', authHook(deps.db));
  app.addHook('onRequest', limits.afterAuth);
  // Text PostgreSQL cannot store or compare (a NUL, broken UTF-16) in a query or path parameter: a 400 naming it,
  // as JSON bodies get from parseJson.
  app.addHook('preValidation', async (req) => {
    const field = findUnstorableText({ ...(req.query as object), ...(req.params as object) });
    if (field !== null) {
      throw new InputError('invalid_text', `${field} holds a NUL character or broken UTF-16; remove it.`, { field });
    }
  });
  app.addHook('onSend', limits.onSend);
  app.addHook('onSend', securityHeaders(deps.config.publicUrl));

  healthRoutes(app, ctx);
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (scope) => {
        if (prefix !== '/v1') {
          scope.addHook('onRoute', (route) => {
            route.schema = { ...(route.schema ?? {}), hide: true };
          });
        }
        keyRoutes(scope, ctx);
        integrationRoutes(scope, ctx);
        instanceRoutes(scope, ctx);
        customCicdRoutes(scope, ctx);
        runRoutes(scope, ctx);
        syncRoutes(scope, ctx);
        oauthRoutes(scope, ctx, prefix);
        metricRoutes(scope, ctx);
        freshnessRoutes(scope, ctx);
        filterValueRoutes(scope, ctx);
        teamRoutes(scope, ctx);
        sessionRoutes(scope, ctx, prefix);
      },
      { prefix },
    );
  }
  webRoutes(app, deps.webRoot ?? join(packageRoot(), 'dist', 'web'), API_PREFIXES);
  return app;
}
