// Property-based fuzzing of what configures OpenSEI: the JSON config file and environment `loadConfig` reads (our
// "satellite.yml"), and the integration settings an install posts (POST /v1/integrations and Validate Connection for
// every type of the registry). A bad value is refused naming its key, never with another exception, a 5xx, or a
// value out of its range. Reproduce a failure with the seed and path fast-check prints: SEI_TEST_FUZZ_SEED=<seed>.
// `sei integrations add` is not fuzzed here: its flag parsing is private to src/cli/integrations.ts and needs a store.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import { type Config, ConfigError, loadConfig } from '../src/core/config.js';
import { STORES } from './helpers/db.js';
import {
  encodeBody,
  encodingArb,
  errorShapeProblem,
  fuzzSeed,
  jsonText,
  mutate,
  mutationArb,
  namesFault,
  polluted,
  PROTO_KEYS,
  prototypeShape,
  RawJson,
  send,
  setOwn,
  valueFor,
  weirdValue,
  type Schema,
} from './helpers/fuzz.js';
import { startServer, type TestServer } from './helpers/server.js';
import { soak } from './helpers/soak.js';

const SEED = fuzzSeed();

/** The keys the README documents, with the range of each whole-number one. */
const RANGES: Record<string, [keyof Config, number, number]> = {
  PORT: ['port', 0, 65_535],
  SEI_BODY_LIMIT: ['bodyLimit', 1024, 1024 ** 3],
  SEI_BULK_BODY_LIMIT: ['bulkBodyLimit', 1024, 1024 ** 3],
  SEI_BULK_MAX_LINES: ['bulkMaxLines', 1, 10_000_000],
};
const TEXT_KEYS = ['HOST', 'SEI_DATA_DIR', 'DATABASE_URL', 'SEI_SECRET_KEY', 'SEI_LOG_LEVEL', 'SEI_PUBLIC_URL'];
const KEYS = [...Object.keys(RANGES), ...TEXT_KEYS];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A value for a config key: plausible, or anything a hand-edited file or a shell could hold. */
const settingValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -10, max: 70_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1024, max: 1024 ** 3 }).map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      'info',
      'DEBUG',
      ' warn ',
      'verbose',
      'postgres://u:p@h/db',
      'mysql://x',
      'https://sei.example.com/',
      'https://sei.example.com//path//',
      'http://',
      'ftp://x',
      '0.0.0.0',
      '::1',
      './data',
      '/tmp/x\u0000y',
      '1e3',
      '0x10',
      '+80',
      '-1',
      '08080',
      ' 8080 ',
      '99999999999999999999999',
      '1'.repeat(400),
      '',
      '   ',
      1e21,
      1.5,
      -0,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      true,
      false,
      null,
      [],
      {},
      [8080],
      { value: 8080 },
    ),
  },
  { weight: 2, arbitrary: weirdValue },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...PROTO_KEYS, 'SEI_NOPE', 'SEI_TEST_X', 'sei_body_limit', 'SEI_CONFIG', ''),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** The file's text: a JSON object of settings (mutated), or something that is not one. */
const fileArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(keyArb, settingValue), { maxLength: 6 }), fc.array(mutationArb, { maxLength: 2 }))
      .map(([pairs, mutations]) => {
        const obj: Record<string, unknown> = {};
        for (const [k, v] of pairs) setOwn(obj, k, v);
        return jsonText(mutate(obj, mutations).body ?? null);
      }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"PORT": 8080,}',
      '[]',
      '"PORT=8080"',
      '8080',
      'null',
      'true',
      'PORT: 8080\nHOST: 0.0.0.0\n',
      '{"PORT": 8080} trailing',
      '{"__proto__": {"polluted": "yes"}, "PORT": 9090}',
      '{"constructor": {"prototype": {"polluted": "yes"}}}',
      '{"__proto__": "8080"}',
      '{"PORT": 1e999}',
      '{"SEI_BODY_LIMIT": 123456789012345678901234567890}',
      '{"PORT": "8080", "PORT": {"nested": true}}',
      `{"PORT": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);

/** A config file as bytes: UTF-8, with a BOM, with invalid UTF-8 bytes, as UTF-16... */
const fileBytesArb = fc
  .tuple(fileArb, encodingArb)
  .map(([text, enc]) => encodeBody(text, { ...enc, contentType: null }));

/** The keys of a config file, when it holds a JSON object. */
function keysOf(bytes: Buffer): string[] {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    return value !== null && typeof value === 'object' ? Object.keys(value) : [];
  } catch {
    return [];
  }
}

/** What is wrong with a loaded configuration, or null. */
function configProblem(config: Config): string | null {
  if (!Object.isFrozen(config)) return 'not frozen';
  for (const [key, [field, min, max]] of Object.entries(RANGES)) {
    const v = config[field] as unknown;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) return `${key} = ${String(v)}`;
  }
  for (const [field, v] of Object.entries(config)) {
    if (typeof v === 'number' && (!Number.isSafeInteger(v) || v < 0)) return `${field} = ${v}`;
  }
  if (!LOG_LEVELS.includes(config.logLevel)) return `logLevel = ${config.logLevel}`;
  if (typeof config.host !== 'string' || config.host === '') return `host = ${String(config.host)}`;
  if (!isAbsolute(config.dataDir)) return `dataDir = ${config.dataDir}`;
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) return 'databaseUrl';
  if (config.publicUrl !== undefined && !/^https?:\/\/\S+$/.test(config.publicUrl)) return 'publicUrl';
  if (config.publicUrl?.endsWith('/') === true) return 'publicUrl ends with /';
  return null;
}

describe('fuzzing the config file and environment (loadConfig)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sei-fuzz-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('either loads a configuration within every documented range or throws a ConfigError naming the key', () => {
    const protoBefore = prototypeShape();
    let loaded = 0;
    let refused = 0;
    const envArb = fc.dictionary(
      keyArb,
      settingValue.map((v) => (v instanceof RawJson ? v.text : typeof v === 'string' ? v : jsonText(v))),
      {
        maxKeys: 4,
      },
    );
    fc.assert(
      fc.property(fileBytesArb, envArb, fc.nat(), (bytes, env, n) => {
        const path = join(dir, `config-${n % 4}.json`);
        writeFileSync(path, bytes);
        const input: Record<string, string> = { SEI_DATA_DIR: '/nonexistent', ...env, SEI_CONFIG: path };
        let config: Config | undefined;
        try {
          config = loadConfig(input);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError: ${String(err)}`, { cause: err });
          expect(err.message.startsWith(`${err.key}: `), err.message).toBe(true);
          // The key named is one that was given (in the file or the environment), or the file itself.
          const given = [...KEYS, ...Object.keys(input), ...keysOf(bytes)];
          expect(err.key === 'SEI_CONFIG' || given.includes(err.key), err.message).toBe(true);
          refused++;
        }
        if (config !== undefined) {
          expect(configProblem(config)).toBeNull();
          loaded++;
        }
        expect(polluted()).toBe(false);
        expect(prototypeShape()).toBe(protoBefore);
      }),
      { seed: SEED, numRuns: soak(1500, 100_000) },
    );
    console.log(`fuzz-config: seed ${SEED}, ${loaded} loaded, ${refused} refused`);
    expect(loaded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('reads a file saved with a byte order mark', () => {
    const path = join(dir, 'bom.json');
    writeFileSync(path, `\uFEFF${JSON.stringify({ PORT: 9191, SEI_LOG_LEVEL: 'warn' })}`);
    const config = loadConfig({ SEI_DATA_DIR: '/nonexistent', SEI_CONFIG: path });
    expect(config.port).toBe(9191);
    expect(config.logLevel).toBe('warn');
  });
});

describe.each(STORES)('fuzzing integration settings on %s', (kind) => {
  let s: TestServer;
  let deadUrl: string;
  let types: { type: string; settings: Schema; secret_fields: string[] }[];
  const protoBefore = prototypeShape();

  beforeAll(async () => {
    deadUrl = await new Promise<string>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(`http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 9}`));
      });
    });
    s = await startServer(kind, {
      connectors: [harnessConnector as Connector<never>, gitlabConnector as Connector<never>],
      sleep: async () => {},
    });
    const res = await s.api('GET', '/v1/integration-types');
    expect(res.status).toBe(200);
    types = res.body.types;
    expect(types.map((t) => t.type).sort()).toEqual(['custom', 'gitlab', 'harnessng']);
  });
  afterAll(async () => s?.close());

  /** Settings from the type's schema, mutated; their URL, when they have one, points at a closed local port. */
  const bodyArb = (path: string) =>
    fc.constantFrom(...types).chain((t) =>
      fc.record({
        type: fc.constant(t.type),
        name: fc.string({ minLength: 1, maxLength: 30 }),
        settings: valueFor(t.settings, {}, () => undefined),
        mutations: fc.oneof(fc.constant([]), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
        path: fc.constant(path),
      }),
    );

  it.each(['/v1/integrations', '/v1/integrations/validate'])(
    'answers POST %s for every type without a 5xx, naming the field of every refusal',
    async (path) => {
      const failures: string[] = [];
      let created = 0;
      const result = await fc.check(
        fc.asyncProperty(bodyArb(path), async (b) => {
          const { body, faults } = mutate({ settings: b.settings }, b.mutations);
          const settings = (body as { settings?: unknown } | undefined)?.settings;
          if (
            settings !== null &&
            typeof settings === 'object' &&
            !Array.isArray(settings) &&
            !(settings instanceof RawJson)
          ) {
            const url = (settings as Record<string, unknown>)['url'];
            if (url === undefined || (typeof url === 'string' && /^\s*https?:/i.test(url))) {
              setOwn(settings as Record<string, unknown>, 'url', deadUrl);
            }
          }
          const full: Record<string, unknown> = { type: b.type };
          if (!path.endsWith('validate')) full['name'] = `${b.name}-${created}`;
          const plain = body !== null && typeof body === 'object' && !(body instanceof RawJson) && !Array.isArray(body);
          if (plain) for (const [k, v] of Object.entries(body)) setOwn(full, k, v);
          else setOwn(full, 'settings', body);
          const res = await send(s.url, {
            method: 'POST',
            path,
            headers: { authorization: `ApiKey ${s.adminKey}`, 'content-type': 'application/json' },
            body: Buffer.from(jsonText(full)),
          });
          const problem =
            res.status >= 500
              ? `status ${res.status}`
              : !res.jsonOk
                ? 'not JSON'
                : res.status >= 400
                  ? (errorShapeProblem(res.json) ??
                    (res.status === 400 && !namesFault(res.json, faults.includes(''))
                      ? `400 ${res.json.error.code} names no field`
                      : null))
                  : null;
          if (polluted() || prototypeShape() !== protoBefore) failures.push('prototype polluted');
          if (res.status === 201) {
            created++;
            // Secrets are answered masked, everything else as sent.
            const t = types.find((x) => x.type === b.type)!;
            for (const f of t.secret_fields) {
              if (res.json.settings[f] !== undefined && res.json.settings[f] !== '********')
                failures.push(`${f} answered in clear`);
            }
          }
          if (problem !== null) {
            throw new Error(
              `${problem} (faults ${faults.join(', ')})\n  sent ${jsonText(full).slice(0, 500)}\n  answer ${res.status} ${res.text.slice(0, 500)}`,
            );
          }
        }),
        { seed: SEED, numRuns: soak(300, 10_000) },
      );
      if (result.failed) {
        const error =
          result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failures.push(`${error}\n  (seed ${result.seed}, path "${result.counterexamplePath ?? ''}")`);
      }
      console.log(`fuzz-config ${path} on ${kind}: ${created} integrations made`);
      expect(failures).toEqual([]);
      const health = await send(s.url, { method: 'GET', path: '/healthz', headers: {} });
      expect(health.status).toBe(200);
    },
    soak(60_000, 1_800_000),
  );
});
