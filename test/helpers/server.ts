import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/core/config.js';
import { SecretBox } from '../../src/core/crypto.js';
import { defaultRegistry, type IntegrationType } from '../../src/integrations/registry.js';
import { buildApp } from '../../src/server/app.js';
import type { Clock, Connector } from '../../src/connectors/connector.js';
import { connectorRegistry } from '../../src/connectors/registry.js';
import { createApiKey, type Role } from '../../src/store/api-keys.js';
import { CredentialStore } from '../../src/store/credentials.js';
import { IntegrationStore } from '../../src/store/integrations.js';
import { SyncService } from '../../src/sync/service.js';
import { SyncWorker } from '../../src/sync/worker.js';
import type { Db } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { freshDb, type StoreKind } from './db.js';

export interface TestServer {
  url: string;
  db: Db;
  app: FastifyInstance;
  config: Config;
  /** Calls the API with a key (default: the first tenant's admin key). */
  api(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse>;
  adminKey: string;
  /** The sync worker, not started: tests run jobs with `worker.runNext()`. */
  worker: SyncWorker;
  sync: SyncService;
  close(): Promise<void>;
}

export interface RequestOptions {
  key?: string | null;
  contentType?: string;
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function makeTenant(db: Db, tenantId: string, role: Role = 'admin'): Promise<string> {
  await createTenant(db, tenantId, tenantId);
  return (await createApiKey(db, tenantId, role, `${role} key`)).key;
}

export async function addKey(db: Db, tenantId: string, role: Role): Promise<string> {
  return (await createApiKey(db, tenantId, role, `${role} key`)).key;
}

/** A real HTTP server on a loopback port over a fresh database of the given kind. */
export async function startServer(
  kind: StoreKind,
  options: {
    env?: Record<string, string>;
    extraTypes?: IntegrationType[];
    /** Connectors to install; their upstream clock and sleep come from `clock`/`sleep`. */
    connectors?: Connector<never>[];
    clock?: Clock;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    /** How long one upstream attempt may take (default: the HTTP client's, 30 s). */
    requestTimeoutMs?: number;
    /**
     * Receives every log line the server (Fastify at level trace) and the sync service and worker write.
     * Without it nothing is logged, as before.
     */
    logSink?: (line: string) => void;
  } = {},
): Promise<TestServer> {
  const sink = options.logSink;
  const db = await freshDb(kind);
  const config = loadConfig({ SEI_DATA_DIR: '/nonexistent', ...options.env });
  const connectors = connectorRegistry(options.connectors ?? []);
  const registry = defaultRegistry([...(options.extraTypes ?? []), ...[...connectors.values()].map((c) => c.spec)]);
  const box = new SecretBox(Buffer.alloc(32, 7));
  const integrations = new IntegrationStore(registry, box);
  const sync = new SyncService({
    db,
    connectors,
    integrations,
    credentials: new CredentialStore(box),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(sink === undefined ? {} : { log: (event: unknown) => sink(JSON.stringify(event)) }),
  });
  const worker = new SyncWorker({
    db,
    connectors,
    integrations,
    service: sync,
    ...(sink === undefined ? {} : { log: (event: unknown) => sink(JSON.stringify(event)) }),
  });
  const app = await buildApp({
    db,
    config,
    registry,
    box,
    connectors,
    sync,
    ...(sink === undefined ? {} : { logger: { level: 'trace', stream: { write: (line: string) => sink(line) } } }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const adminKey = await makeTenant(db, 'acme');

  const api: TestServer['api'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? adminKey : opts.key;
    if (key !== null) headers['authorization'] = `ApiKey ${key}`;
    let payload: string | undefined = opts.raw;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await fetch(url + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the test looks at `text`
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    url,
    db,
    app,
    config,
    api,
    adminKey,
    worker,
    sync,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** Installs a Custom CI/CD integration and makes an instance; answers the GUID. */
export async function makeInstance(s: TestServer, key?: string): Promise<{ integrationId: string; guid: string }> {
  const integ = await s.api('POST', '/v1/integrations', { type: 'custom', name: `ci-${Math.random()}` }, { key });
  if (integ.status !== 201) throw new Error(`integration: ${integ.text}`);
  const inst = await s.api(
    'POST',
    '/v1/cicd/instances',
    { integration_id: integ.body.id, name: 'Jenkins', type: 'jenkins' },
    { key },
  );
  if (inst.status !== 201) throw new Error(`instance: ${inst.text}`);
  return { integrationId: integ.body.id, guid: inst.body.id };
}

/** A clock that follows `base` plus the time slept; sleeping returns at once. Backoff costs no real time. */
export function virtualTime(base: () => number): {
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
} {
  let slept = 0;
  return {
    clock: { now: () => base() + slept },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept += Math.max(0, ms);
    },
  };
}
