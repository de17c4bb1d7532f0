import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** The one typed configuration, parsed and validated once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly secretKey: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimit: number;
  readonly bulkBodyLimit: number;
  readonly bulkMaxLines: number;
  /** How browsers and upstream sign-in pages reach this server (OAuth redirects); default from HOST/PORT. */
  readonly publicUrl: string | undefined;
  /**
   * Which peers are reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed: none (false), a
   * hop count, or addresses, CIDR ranges and the names loopback, linklocal, uniquelocal.
   */
  readonly trustProxy: false | number | string[];
  /** Requests per second per API key, sustained (0: no limit per key). */
  readonly rateLimit: number;
  /** Requests an API key may make at once above the sustained rate (the bucket size). */
  readonly rateLimitBurst: number;
  /** Failed authentications (401) per second per client address (0: no limit). */
  readonly rateLimitAnonymous: number;
  readonly rateLimitAnonymousBurst: number;
  /** How long a client may take to send the request headers, and the whole request, before a 408. */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

interface FieldSpec<T> {
  key: string;
  secret?: boolean;
  parse: (raw: string | undefined, key: string) => T;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(def: number, min: number, max: number) {
  return (raw: string | undefined, key: string): number => {
    if (raw === undefined || raw.trim() === '') return def;
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(key, `must be a whole number, got "${raw}"`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw new ConfigError(key, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** An address, a CIDR range or a named range of proxy-addr (what Fastify's trustProxy takes). */
function isProxyAddress(item: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

function text(def: string | undefined) {
  return (raw: string | undefined): string | undefined => (raw === undefined || raw.trim() === '' ? def : raw.trim());
}

const SPEC = {
  port: { key: 'PORT', parse: integer(8080, 0, 65535) },
  host: { key: 'HOST', parse: (raw) => text('0.0.0.0')(raw) ?? '0.0.0.0' },
  dataDir: { key: 'SEI_DATA_DIR', parse: (raw) => resolve(text('./data')(raw) ?? './data') },
  databaseUrl: {
    key: 'DATABASE_URL',
    secret: true,
    parse: (raw, key) => {
      const value = text(undefined)(raw);
      if (value !== undefined && !/^postgres(ql)?:\/\//.test(value)) {
        throw new ConfigError(key, 'must start with postgres:// or postgresql://');
      }
      return value;
    },
  },
  secretKey: { key: 'SEI_SECRET_KEY', secret: true, parse: (raw) => text(undefined)(raw) },
  logLevel: {
    key: 'SEI_LOG_LEVEL',
    parse: (raw, key) => {
      const value = (text('info')(raw) ?? 'info').toLowerCase();
      const found = LOG_LEVELS.find((l) => l === value);
      if (found === undefined) throw new ConfigError(key, `must be one of ${LOG_LEVELS.join(', ')}`);
      return found;
    },
  },
  bodyLimit: { key: 'SEI_BODY_LIMIT', parse: integer(1024 * 1024, 1024, 1024 ** 3) },
  bulkBodyLimit: { key: 'SEI_BULK_BODY_LIMIT', parse: integer(64 * 1024 * 1024, 1024, 1024 ** 3) },
  bulkMaxLines: { key: 'SEI_BULK_MAX_LINES', parse: integer(50_000, 1, 10_000_000) },
  publicUrl: {
    key: 'SEI_PUBLIC_URL',
    parse: (raw, key) => {
      const value = text(undefined)(raw);
      if (value !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value)) {
        throw new ConfigError(key, 'must be an http(s) URL, e.g. https://sei.example.com');
      }
      return value?.replace(/\/+$/, '');
    },
  },
  trustProxy: {
    key: 'SEI_TRUST_PROXY',
    parse: (raw, key) => {
      const value = text(undefined)(raw);
      if (value === undefined) return false;
      if (/^\d+$/.test(value)) return integer(1, 1, 10)(value, key);
      const items = value.split(',').map((s) => s.trim());
      for (const item of items) {
        if (!isProxyAddress(item)) {
          throw new ConfigError(
            key,
            `"${item}" is not an IP address, a CIDR range (10.0.0.0/8), loopback, linklocal or uniquelocal`,
          );
        }
      }
      return items;
    },
  },
  rateLimit: { key: 'SEI_RATE_LIMIT', parse: integer(200, 0, 1_000_000) },
  rateLimitBurst: { key: 'SEI_RATE_LIMIT_BURST', parse: integer(2000, 1, 10_000_000) },
  rateLimitAnonymous: { key: 'SEI_RATE_LIMIT_ANONYMOUS', parse: integer(20, 0, 1_000_000) },
  rateLimitAnonymousBurst: { key: 'SEI_RATE_LIMIT_ANONYMOUS_BURST', parse: integer(1000, 1, 10_000_000) },
  headersTimeoutMs: { key: 'SEI_HEADERS_TIMEOUT_MS', parse: integer(30_000, 100, 3_600_000) },
  requestTimeoutMs: { key: 'SEI_REQUEST_TIMEOUT_MS', parse: integer(120_000, 100, 3_600_000) },
} satisfies { [K in keyof Config]: FieldSpec<Config[K]> };

/** Names of the configuration keys whose values must never be printed. */
export const SECRET_CONFIG_KEYS: readonly string[] = Object.values(SPEC)
  .filter((f: FieldSpec<unknown>) => f.secret === true)
  .map((f) => f.key);

/** Reads an optional JSON config file (`SEI_CONFIG`, else `./sei.config.json`); keys are the env names. */
function readConfigFile(env: Source): Source {
  const path = env['SEI_CONFIG'] ?? (existsSync('sei.config.json') ? 'sei.config.json' : undefined);
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    // A byte order mark (editors on Windows save one) is not JSON, but is no reason to refuse the file.
    parsed = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError('SEI_CONFIG', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('SEI_CONFIG', `${path} must hold a JSON object`);
  }
  const out: Source = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') throw new ConfigError(k, `in ${path} must be a string or a number`);
    out[k] = String(v);
  }
  return out;
}

/** Builds the configuration from the environment (which wins) and the optional config file. */
export function loadConfig(env: Source = process.env): Config {
  const merged: Source = { ...readConfigFile(env), ...env };
  const known = new Set(Object.values(SPEC).map((f) => f.key));
  for (const key of Object.keys(merged)) {
    if (key.startsWith('SEI_') && !key.startsWith('SEI_TEST_') && !known.has(key) && key !== 'SEI_CONFIG') {
      throw new ConfigError(key, `unknown setting (known: ${[...known].join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SPEC) as [string, FieldSpec<unknown>][]) {
    out[name] = spec.parse(merged[spec.key], spec.key);
  }
  return Object.freeze(out) as unknown as Config;
}
