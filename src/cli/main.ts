#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/config.js';
import { AppError } from '../core/errors.js';
import { createApiKey, listApiKeys, parseRole, revokeApiKey } from '../store/api-keys.js';
import { DataDirBusyError } from '../store/data-lock.js';
import { createTenant, getTenant, listTenants } from '../store/tenants.js';
import { DEFAULT_TENANT } from './bootstrap.js';
import { CliUsageError, integrationsCommand } from './integrations.js';
import { metricsCommand } from './metrics.js';
import { openRuntime, type Runtime } from './runtime.js';
import { serve } from './serve.js';

const USAGE = `Usage: sei <command> [options]

Commands:
  serve                                   start the server (PORT, SEI_DATA_DIR, DATABASE_URL, SEI_SECRET_KEY)
  migrate                                 apply pending database migrations
  keys create [--role admin|ingestion] [--name N] [--tenant T]
                                          make an API key; the key is printed alone on the last line
  keys list [--tenant T]                  list keys (never the keys themselves)
  keys revoke <key-id> [--tenant T]       revoke a key
  tenants create <tenant-id> [--name N]   make a tenant and its first admin key (printed on the last line)
  tenants list                            list tenants
  integrations add <type> --name N [--<setting> V ...]
                                          install an integration (e.g. harnessng --url --api-key - --account-id
                                          --organizations --projects); "-" reads a value from stdin; validates it
  integrations list [--tenant T]          list integrations
  validate <integration-id>               run Validate Connection (exit 1 unless ok)
  sync <integration-id> [--full]          sync now with a progress line (exit 1 unless it succeeded)
  replay <integration-id>                 rebuild the integration's runs from its stored raw records
  metrics <deployment-frequency|lead-time-for-changes|change-failure-rate|time-to-restore>
          [--from D] [--to D] [--time-zone Z] [--interval day|week|month] [--pipeline P] [--service S]
          [--environment E] [--source S] [--json]
                                          a DORA metric with its band, count and series
  metrics cicd-health [--group-by pipeline|branch] [--branch B] [--kind ci|cd] [--json]
  metrics merge-requests [--repo PATH] [--author A] [--json]
                                          CI/CD health; merge request flow (same window options)
  demo                                    a local toy: fake Harness NG data synced into ./data-demo, served on
                                          PORT (8080); for a first look, never for real data
  help                                    this text
`;

class UsageError extends Error {}

const out = (line: string): void => void process.stdout.write(line + '\n');

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

function table<T extends object>(rows: T[], columns: (keyof T & string)[]): void {
  const cell = (v: unknown): string =>
    v instanceof Date ? v.toISOString() : v === null || v === undefined ? '-' : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  out(columns.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  for (const r of rows) out(columns.map((c, i) => cell(r[c]).padEnd(widths[i]!)).join('  '));
}

async function keys(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tenant: { type: 'string', default: DEFAULT_TENANT },
      role: { type: 'string', default: 'admin' },
      name: { type: 'string' },
    },
  });
  const [sub, ...rest] = positionals;
  const tenant = values.tenant;
  switch (sub) {
    case 'create': {
      const role = parseRole(values.role);
      await withRuntime(async (rt) => {
        await getTenant(rt.db, tenant);
        const { key, info } = await createApiKey(rt.db, tenant, role, values.name ?? `${role} key`);
        out(`Created ${role} key "${info.name}" (id ${info.id}) for tenant "${tenant}". It is not shown again:`);
        out(key);
      });
      return;
    }
    case 'list':
      await withRuntime(async (rt) => {
        await getTenant(rt.db, tenant);
        table(await listApiKeys(rt.db, tenant), ['id', 'name', 'role', 'prefix', 'created_at', 'revoked_at']);
      });
      return;
    case 'revoke': {
      const id = rest[0];
      if (id === undefined) throw new UsageError('keys revoke needs the key id (see `sei keys list`).');
      await withRuntime(async (rt) => {
        const info = await revokeApiKey(rt.db, tenant, id);
        out(`Revoked key ${info.id} ("${info.name}").`);
      });
      return;
    }
    default:
      throw new UsageError(`Unknown keys command "${sub ?? ''}": use create, list or revoke.`);
  }
}

async function tenants(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' } } });
  const [sub, id] = positionals;
  switch (sub) {
    case 'create': {
      if (id === undefined) throw new UsageError('tenants create needs a tenant id, e.g. `sei tenants create acme`.');
      await withRuntime(async (rt) => {
        const key = await rt.db.transaction(async (tx) => {
          await createTenant(tx, id, values.name ?? id);
          return (await createApiKey(tx, id, 'admin', 'first admin key')).key;
        });
        out(`Created tenant "${id}" and its first admin key. It is not shown again:`);
        out(key);
      });
      return;
    }
    case 'list':
      await withRuntime(async (rt) => table(await listTenants(rt.db), ['tenant_id', 'name', 'created_at']));
      return;
    default:
      throw new UsageError(`Unknown tenants command "${sub ?? ''}": use create or list.`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'metrics':
      return metricsCommand(() => openRuntime(), rest);
    case 'demo':
      // Loaded only here: the demo brings the fake Harness server with it.
      return (await import('./demo.js')).demo();
    case 'migrate':
      return withRuntime(async (rt) => {
        for (const m of rt.applied) out(`Applied migration ${String(m.version).padStart(4, '0')}_${m.name}.`);
        out('The database schema is up to date.');
      });
    case 'keys':
      return keys(rest);
    case 'tenants':
      return tenants(rest);
    case 'integrations':
    case 'validate':
    case 'sync':
    case 'replay':
      return integrationsCommand(() => openRuntime(), command, rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return;
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const fail = (message: string, code: number): void => {
    process.stderr.write(`sei: ${message}\n`);
    process.exitCode = code;
  };
  if (
    err instanceof UsageError ||
    err instanceof CliUsageError ||
    (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
  ) {
    fail((err as Error).message, 2);
  } else if (err instanceof ConfigError) fail(`configuration: ${err.message}`, 2);
  else if (err instanceof DataDirBusyError) {
    fail(
      `${err.message}. PGlite lets one process open a data folder: stop the server first, ` +
        'or use the HTTP API (e.g. POST /v1/keys) while it runs.',
      1,
    );
  } else if (err instanceof AppError) fail(err.message, err.status >= 500 ? 1 : 2);
  else if (['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes((err as NodeJS.ErrnoException).code ?? '')) {
    fail(`cannot listen: ${(err as Error).message}. Stop the program on that port, or set PORT (or HOST).`, 1);
  } else fail((err as Error).stack ?? String(err), 1);
});
