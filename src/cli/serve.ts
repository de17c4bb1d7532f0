import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { packageVersion } from '../core/paths.js';
import { buildApp } from '../server/app.js';
import { requeueStale } from '../sync/jobs.js';
import { bootstrap } from './bootstrap.js';
import { composeServices } from './compose.js';
import { openRuntime, type Runtime } from './runtime.js';

/** The HTTP app over an opened store and its services, as `sei serve` and `sei demo` run it. */
export function buildServerApp(rt: Runtime, services: ReturnType<typeof composeServices>): Promise<FastifyInstance> {
  const { connectors, registry, sync, worker } = services;
  return buildApp({
    db: rt.db,
    config: rt.config,
    registry,
    connectors,
    sync,
    onSyncRequested: () => worker.wake(),
    box: rt.box,
    version: packageVersion(),
    logger: {
      level: rt.config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
  });
}

/** `sei serve`: opens the store, makes the first tenant on first start, and serves HTTP until a signal. */
export async function serve(): Promise<void> {
  const rt = await openRuntime();
  const { config } = rt;
  // Sync events go to the server's log once it exists (stream failures, jobs that could not start).
  let log: FastifyBaseLogger | undefined;
  const services = composeServices(rt, ({ level, msg, ...rest }) => log?.[level]({ sync: rest }, msg));
  const { worker } = services;
  let app: FastifyInstance | undefined;
  let address: string;
  let first: Awaited<ReturnType<typeof bootstrap>>;
  try {
    app = await buildServerApp(rt, services);
    log = app.log;
    address = await app.listen({ port: config.port, host: config.host });
    // Only once the server listens: a first admin key made before a failed start would never be shown.
    first = await bootstrap(rt.db);
  } catch (err) {
    await app?.close().catch(() => undefined);
    await rt.close();
    throw err;
  }
  const server = app;
  // A job left running by a crash of this data folder's last process resumes from its cursors.
  if (rt.db.kind === 'pglite') await requeueStale(rt.db, 0);
  worker.start();
  const store = rt.db.kind === 'pglite' ? `PGlite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const local = address.replace('0.0.0.0', 'localhost');
  process.stdout.write(`\nOpenSEI is up on ${local}  (store: ${store})\nAPI docs: ${local}/docs\n`);
  if (first !== null) {
    process.stdout.write(
      [
        '',
        `First start: made tenant "${first.tenantId}" and its first admin API key. It is shown once; keep it safe:`,
        '',
        `    ${first.key}`,
        '',
        'Make more keys with `npx sei keys create --role admin|ingestion` (server stopped) or POST /v1/keys.',
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    await worker.stop();
    await server.close();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
