// Property-based fuzzing of EVERY operation of `/openapi.json` through the real HTTP server on both stores: bodies,
// query strings, path parameters and headers generated from the operation's schemas and mutated (wrong types,
// missing and extra keys, prototype keys, out-of-range numbers, lone surrogates, deep nesting, invalid UTF-8, wrong
// content types). Never a 5xx, always a JSON answer (or the non-JSON one the route documents), every 4xx an error
// with a code and a message that names the field at fault, and the process's prototypes untouched.
// Reproduce a failure with the seed and path fast-check prints: SEI_TEST_FUZZ_SEED=<seed>.
import fc from 'fast-check';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../src/connectors/connector.js';
import { gitlabConnector } from '../src/connectors/gitlab/connector.js';
import { harnessConnector } from '../src/connectors/harness/connector.js';
import { STORES } from './helpers/db.js';
import {
  BODY_LEVEL_CODES,
  bodyLevelEncoding,
  encodeBody,
  encodingArb,
  errorShapeProblem,
  fuzzSeed,
  jsonText,
  mutate,
  mutationArb,
  namesFault,
  nesting,
  percentEncode,
  polluted,
  POLLUTING,
  PROTO_KEYS,
  prototypeShape,
  RawJson,
  send,
  setOwn,
  valueFor,
  weirdValue,
  type Encoding,
  type Mutation,
  type Named,
  type RawRequest,
  type RawResponse,
  type Schema,
} from './helpers/fuzz.js';
import { run } from './helpers/runs.js';
import { addKey, startServer, type TestServer } from './helpers/server.js';
import { soak } from './helpers/soak.js';

const SEED = fuzzSeed();
/** Runs per operation (there are 54): over 2,000 requests per store in the default suite. */
const RUNS = soak(40, 1000);
/** Server's body limits in this test: small enough to send a body above them cheaply. */
const BODY_LIMIT = 256 * 1024;
const BULK_LIMIT = 512 * 1024;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | undefined;
  /** Content types of the request body the document lists. */
  consumes: string[];
  access: 'public' | 'ingest' | 'admin';
}

interface Ids {
  custom: string;
  harness: string;
  gitlab: string;
  guid: string;
  runId: string;
  teamId: string;
  teamName: string;
  jobId: string;
  /** Deleted by the DELETE operations, so the data the others use stays. */
  spare: { integration: string; guid: string; teamId: string; keyId: string };
}

interface Generated {
  pathValues: { value: string; raw: boolean }[];
  query: { name: string; value: string; fault: boolean }[];
  body: { value: unknown; mutations: Mutation[] } | undefined;
  encoding: Encoding;
  auth: string | null;
  headers: [string, string][];
}

/** What went on the wire and what the test knows about it. */
interface Sent {
  request: RawRequest;
  faults: string[];
  bodyLevel: boolean;
  /** A path parameter with a broken percent-encoding or too long for the router. */
  brokenPath: boolean;
}

/** Times at and beyond the edges of what dates and windows can hold. */
const TIMES = [
  '2024-03-04',
  '2024-03-10',
  '2024-02-30',
  '2024-13-01',
  '0000-01-01',
  '1970-01-01',
  '9999-12-31',
  '9999-12-30',
  '2024-03-04T00:00:00Z',
  '2024-03-04T00:00:00+14:00',
  '2024-03-04T25:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '275760-09-13',
  '1711603545000',
  '8640000000000001',
  '99999999999999999',
  '0',
];

/** Errors of a URL the router cannot read (before any key is checked). */
const URL_CODES = new Set(['bad_url', 'path_parameter_too_long']);
const INGEST = new Set(['POST /v1/custom-cicd', 'POST /v1/custom-cicd/bulk']);
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /v1/oauth/callback',
  'POST /v1/session',
  'GET /v1/session',
  'DELETE /v1/session',
]);

/** Operations whose documented answer is not JSON, and when. */
function nonJsonAllowed(op: Operation, res: RawResponse, query: string): boolean {
  const type = res.contentType.toLowerCase();
  if (op.path === '/v1/integrations/{id}/satellite.yml' && res.status === 200)
    return type.startsWith('application/yaml');
  if (op.path.endsWith('/records') && res.status === 200 && /format=csv/.test(query))
    return type.startsWith('text/csv');
  // The OAuth redirect target is a page for the person the upstream sent back, not an API answer.
  if (op.path === '/v1/oauth/callback') return type.startsWith('text/html');
  return false;
}

describe.each(STORES)('fuzzing every documented operation on %s', (kind) => {
  let s: TestServer;
  let ids: Ids;
  let ingestKey: string;
  let deadUrl: string;
  let ops: Operation[] = [];
  let doc: Schema;
  const protoBefore = prototypeShape();
  const counts = { requests: 0, byStatus: new Map<number, number>() };

  const freePort = (): Promise<number> =>
    new Promise((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 9));
      });
    });

  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await freePort()}`;
    s = await startServer(kind, {
      env: {
        SEI_BODY_LIMIT: String(BODY_LIMIT),
        SEI_BULK_BODY_LIMIT: String(BULK_LIMIT),
        SEI_BULK_MAX_LINES: '50',
        // Tens of thousands of requests a minute under SEI_SOAK=1 would be answered 429 (abuse.test.ts tests that).
        SEI_RATE_LIMIT: '0',
        SEI_RATE_LIMIT_ANONYMOUS: '0',
      },
      connectors: [harnessConnector as Connector<never>, gitlabConnector as Connector<never>],
      // Validate Connection reaches a closed loopback port: retries cost no time.
      sleep: async () => {},
    });
    ingestKey = await addKey(s.db, 'acme', 'ingestion');
    const ok = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await s.api(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return res.body as Record<string, unknown>;
    };
    const custom = await ok('POST', '/v1/integrations', { type: 'custom', name: 'fuzz-custom' });
    const harness = await ok('POST', '/v1/integrations', {
      type: 'harnessng',
      name: 'fuzz-harness',
      settings: { url: deadUrl, api_key: 'pat.x', account_id: 'acc' },
    });
    const gitlab = await ok('POST', '/v1/integrations', {
      type: 'gitlab',
      name: 'fuzz-gitlab',
      settings: { url: deadUrl, token: 'glpat-x' },
    });
    const inst = await ok('POST', '/v1/cicd/instances', { integration_id: custom['id'], name: 'J', type: 'jenkins' });
    const posted = await ok('POST', '/v1/custom-cicd', { ...run(String(inst['id'])), cd: true });
    const team = await ok('POST', '/v1/teams', { name: 'fuzz-team', services: ['deploy-api'] });
    const job = await ok('POST', `/v1/integrations/${String(harness['id'])}/sync`, {});
    const spareInteg = await ok('POST', '/v1/integrations', { type: 'custom', name: 'fuzz-spare' });
    const spareInst = await ok('POST', '/v1/cicd/instances', {
      integration_id: spareInteg['id'],
      name: 'J2',
      type: 'jenkins',
    });
    const spareTeam = await ok('POST', '/v1/teams', { name: 'fuzz-spare-team' });
    const spareKey = await ok('POST', '/v1/keys', { name: 'spare', role: 'ingestion' });
    ids = {
      custom: String(custom['id']),
      harness: String(harness['id']),
      gitlab: String(gitlab['id']),
      guid: String(inst['id']),
      runId: String(posted['id']),
      teamId: String((team['team'] as { id: string }).id),
      teamName: 'fuzz-team',
      jobId: String(job['id']),
      spare: {
        integration: String(spareInteg['id']),
        guid: String(spareInst['id']),
        teamId: String((spareTeam['team'] as { id: string }).id),
        keyId: String((spareKey['info'] as { id: string }).id),
      },
    };

    const res = await s.api('GET', '/openapi.json', undefined, { key: null });
    expect(res.status).toBe(200);
    doc = res.body;
    ops = [];
    for (const [path, item] of Object.entries<Schema>(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (op === undefined) continue;
        const params: Schema[] = [...(item.parameters ?? []), ...(op.parameters ?? [])];
        const name = `${method.toUpperCase()} ${path}`;
        const content = op.requestBody?.content ?? {};
        ops.push({
          method: method.toUpperCase(),
          path,
          pathParams: params.filter((p) => p.in === 'path').map((p) => p.name as string),
          query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
          body: content['application/json']?.schema ?? Object.values<Schema>(content)[0]?.schema,
          consumes: Object.keys(content),
          access: PUBLIC.has(name) ? 'public' : INGEST.has(name) ? 'ingest' : 'admin',
        });
      }
    }
    // Served but hidden from the document: the PUT twin of PATCH /v1/integrations/{id}.
    const patch = ops.find((o) => o.method === 'PATCH' && o.path === '/v1/integrations/{id}');
    expect(patch).toBeDefined();
    ops.push({ ...patch!, method: 'PUT' });
    // Deletions last, so the other operations meet real data.
    ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    console.log(`fuzz-api on ${kind}: seed ${SEED}, ${ops.length} operations x ${RUNS} runs`);
  });
  afterAll(async () => s?.close());

  /** Values for fields that name the server's real resources (mostly), so requests reach the handlers. */
  const named: Named = (name) => {
    const mostly = <T>(real: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 5, arbitrary: real as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: weirdValue });
    switch (name) {
      case 'instance_guid':
        return mostly(fc.constantFrom(ids.guid, ids.guid.toUpperCase()));
      case 'integration_id':
        return mostly(fc.constantFrom<unknown>(ids.custom, Number(ids.custom), ids.harness));
      case 'team':
        return mostly(fc.constant(ids.teamName));
      case 'result':
        return mostly(fc.constantFrom('SUCCESS', 'failure', 'Aborted', 'unstable'));
      case 'type':
        return mostly(fc.constantFrom('custom', 'harnessng', 'gitlab', 'jenkins'));
      case 'key':
        return mostly(fc.constantFrom(s.adminKey, ingestKey));
      case 'from':
      case 'to':
      case 'since':
      case 'until':
        return fc.constantFrom(...TIMES);
      case 'limit':
      case 'offset':
        return fc.constantFrom<unknown>(
          0,
          -1,
          1,
          100,
          1000,
          1001,
          10_000,
          10_001,
          10_000_001,
          '1.5',
          '1e3',
          '9'.repeat(30),
        );
      case 'time_zone':
        return fc.constantFrom(
          'UTC',
          'Europe/Paris',
          'Pacific/Kiritimati',
          'Etc/GMT+12',
          'Mars/Olympus',
          '+05:00',
          'utc',
          '',
        );
      default:
        return undefined;
    }
  };

  const realId = (op: Operation, param: string): string[] => {
    const segments = op.path.split('/');
    const resource = segments[segments.indexOf(`{${param}}`) - 1];
    const del = op.method === 'DELETE';
    const byResource: Record<string, string[]> = {
      keys: [ids.spare.keyId],
      integrations: del
        ? [ids.spare.integration]
        : op.method === 'PATCH' || op.method === 'PUT'
          ? [ids.custom]
          : [ids.custom, ids.harness, ids.gitlab],
      instances: [del ? ids.spare.guid : ids.guid],
      runs: [ids.runId],
      jobs: [ids.jobId],
      teams: [del ? ids.spare.teamId : ids.teamId],
    };
    return byResource[resource ?? ''] ?? ['1'];
  };

  const pathValueArb = (op: Operation, param: string) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...realId(op, param)).map((value) => ({ value, raw: false })) },
      {
        weight: 2,
        arbitrary: fc
          .oneof(
            fc.string({ unit: 'binary', maxLength: 20 }),
            fc.integer().map(String),
            fc.constantFrom(
              '0',
              '-1',
              '1e3',
              '9'.repeat(30),
              '00000000-0000-0000-0000-000000000000',
              'x'.repeat(65),
              'x'.repeat(5000),
              ' 1',
              '1.0',
              'null',
              '__proto__',
              'constructor',
            ),
          )
          // No id of the data the other operations use may be deleted by chance.
          .filter((v) => op.method !== 'DELETE' || !/^\s*\+?0*\d{1,18}\s*$/.test(v))
          .map((value) => ({ value, raw: false })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('%', '%FF', '%E0%A4%A', '%00', '..', '%2F', '%2e%2e')
          .map((value) => ({ value, raw: true })),
      },
    );

  const queryArb = (op: Operation): fc.Arbitrary<Generated['query']> => {
    const one = (q: Operation['query'][number]) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constant([] as Generated['query']) },
        {
          weight: 4,
          arbitrary: valueFor(q.schema, doc, named, q.name, 1).map((v) => [
            {
              name: q.name,
              value: v instanceof RawJson ? v.text : typeof v === 'string' ? v : jsonText(v),
              fault: false,
            },
          ]),
        },
        {
          weight: 2,
          arbitrary: weirdValue.map((v) => [
            {
              name: q.name,
              value: v instanceof RawJson ? v.text : typeof v === 'string' ? v : jsonText(v),
              fault: true,
            },
          ]),
        },
        {
          weight: 1,
          arbitrary: fc
            .array(valueFor(q.schema, doc, named, q.name, 1), { minLength: 2, maxLength: 3 })
            .map((vs) => vs.map((v) => ({ name: q.name, value: String(v), fault: true }))),
        },
        { weight: 1, arbitrary: fc.constant([{ name: q.name, value: '', fault: true }]) },
      );
    const unknown = fc.array(
      fc.record({
        name: fc.oneof(
          fc.constantFrom(...PROTO_KEYS, '__proto__[polluted]', 'constructor[prototype][polluted]', 'a[b]', 'limit[]'),
          fc.string({ maxLength: 10 }),
        ),
        value: fc.oneof(fc.constant('yes'), fc.string({ maxLength: 10 })),
        fault: fc.constant(true),
      }),
      { maxLength: 2 },
    );
    return fc
      .tuple(
        fc.tuple(...op.query.map(one)),
        fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: unknown }),
      )
      .map(([known, extra]) => [...known.flat(), ...extra]);
  };

  const authArb = (op: Operation): fc.Arbitrary<string | null> =>
    fc.oneof(
      { weight: op.access === 'ingest' ? 6 : 12, arbitrary: fc.constant(`ApiKey ${s.adminKey}`) },
      { weight: op.access === 'ingest' ? 6 : 1, arbitrary: fc.constant(`ApiKey ${ingestKey}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          null,
          'ApiKey',
          'Bearer \u00ff\u00fe',
          `apikey   ${s.adminKey}  `,
          'ApiKey sei_nope',
        ),
      },
    );

  const headersArb: fc.Arbitrary<[string, string][]> = fc.oneof(
    { weight: 6, arbitrary: fc.constant<[string, string][]>([]) },
    {
      weight: 2,
      arbitrary: fc.subarray<[string, string]>([
        ['cookie', 'sei_session=\u00ff\u00fe; sei_session=x'],
        ['x-sei-csrf', '\u00e9\u00ff'],
        ['accept', 'text/csv'],
        ['accept', '\u00ff/\u00ff'],
        ['accept-charset', 'utf-16'],
        ['content-encoding', 'gzip'],
        ['x-forwarded-proto', 'javascript'],
        ['x-forwarded-host', '\u00ff'],
        ['host', 'ex\u00e4mple.test:99999'],
        ['host', ''],
        ['authorization-extra', 'x'.repeat(8000)],
      ]),
    },
  );

  const requestArb = (op: Operation): fc.Arbitrary<Generated> =>
    fc.record({
      pathValues: fc.tuple(...op.pathParams.map((p) => pathValueArb(op, p))),
      query: queryArb(op),
      body:
        op.body === undefined
          ? fc.oneof(
              { weight: 9, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: weirdValue.map((value) => ({ value, mutations: [] })) },
            )
          : fc.record({
              value: valueFor(op.body, doc, named, '', 0),
              mutations: fc.oneof(
                { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
                { weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
              ),
            }),
      // The bulk endpoint takes NDJSON too: an array body is then sent one element a line.
      encoding: op.consumes.includes('application/x-ndjson')
        ? fc.oneof(
            encodingArb,
            encodingArb.map((e) => ({ ...e, contentType: 'application/x-ndjson' })),
          )
        : encodingArb,
      auth: authArb(op),
      headers: headersArb,
    });

  /** Every settings object gets a URL no Validate Connection can leave this machine for. */
  const keepLocal = (body: unknown): void => {
    if (body === null || typeof body !== 'object' || body instanceof RawJson || Array.isArray(body)) return;
    const settings = (body as Record<string, unknown>)['settings'];
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings) || settings instanceof RawJson)
      return;
    const url = (settings as Record<string, unknown>)['url'];
    if (url === undefined || (typeof url === 'string' && /^\s*https?:/i.test(url))) {
      setOwn(settings as Record<string, unknown>, 'url', deadUrl);
    }
  };

  const build = (op: Operation, g: Generated): Sent => {
    let i = 0;
    const faults: string[] = [];
    let brokenPath = false;
    const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const p = g.pathValues[i++]!;
      if (!realId(op, name).includes(p.value)) faults.push(name);
      brokenPath ||= (p.raw && /%(?![0-7][0-9A-F])/i.test(p.value)) || p.value.length > 100;
      return p.raw ? p.value : percentEncode(p.value);
    });
    const enc = (v: string) => percentEncode(v);
    const qs = g.query.map((q) => `${enc(q.name)}=${enc(q.value)}`).join('&');
    for (const q of g.query) if (q.fault) faults.push(q.name);
    const headers: Record<string, string> = {};
    for (const [k, v] of g.headers) headers[k] = v;
    if (g.auth !== null) headers['authorization'] = g.auth;
    let body: Buffer | undefined;
    let bodyLevel = false;
    if (g.body !== undefined) {
      const m = mutate(g.body.value, g.body.mutations);
      keepLocal(m.body);
      faults.push(...m.faults.filter((f) => f !== ''));
      bodyLevel = m.faults.includes('') || bodyLevelEncoding(g.encoding) || op.body === undefined;
      let text = m.body === undefined ? '' : jsonText(m.body);
      if (g.encoding.contentType?.includes('ndjson') === true && Array.isArray(m.body)) {
        text = (m.body as unknown[]).map((v) => jsonText(v)).join('\n');
      }
      body = encodeBody(text, g.encoding);
      if (g.encoding.contentType !== null) headers['content-type'] = g.encoding.contentType;
    }
    return {
      request: {
        method: op.method,
        path: qs === '' ? path : `${path}?${qs}`,
        headers,
        ...(body === undefined ? {} : { body }),
      },
      faults,
      bodyLevel,
      brokenPath,
    };
  };

  /** What is wrong with an answer, or null. */
  const problemOf = (op: Operation, sent: Sent, res: RawResponse): string | null => {
    if (res.status >= 500) return `status ${res.status}`;
    if (polluted() || prototypeShape() !== protoBefore) return 'Object.prototype polluted';
    if (res.status === 204) return res.text === '' ? null : '204 with a body';
    const query = sent.request.path.split('?')[1] ?? '';
    if (!nonJsonAllowed(op, res, query)) {
      if (!res.contentType.startsWith('application/json')) return `content-type ${res.contentType}`;
      if (!res.jsonOk) return 'body is not JSON';
    }
    if (res.status < 400 || !res.jsonOk) return null;
    const shape = errorShapeProblem(res.json);
    if (shape !== null) return shape;
    const code = res.json.error.code as string;
    // A request refused for its input (not for its key or a missing resource) names the field at fault, unless the
    // body as a whole is unreadable.
    if (res.status === 400 && !URL_CODES.has(code) && !namesFault(res.json, sent.bodyLevel)) {
      return `400 ${code} names no field (faults: ${sent.faults.join(', ') || 'none'})`;
    }
    const deep = code === 'invalid_json' && /nested too deeply/.test(res.json.error.message) && nesting(sent) > 1000;
    if (URL_CODES.has(code) && !sent.brokenPath) return `${res.status} ${code} for a path the router can read`;
    if (BODY_LEVEL_CODES.has(code) && res.status === 400 && !sent.bodyLevel && code !== 'empty_body' && !deep) {
      return `400 ${code} for a body that is readable JSON`;
    }
    return null;
  };

  const describeSent = (sent: Sent): string => {
    const body = sent.request.body;
    const shown =
      body === undefined
        ? ''
        : ` ${body.length > 300 ? `${body.subarray(0, 300).toString('latin1')}... (${body.length} bytes)` : body.toString('latin1')}`;
    return `${sent.request.method} ${sent.request.path.slice(0, 300)} ${JSON.stringify(sent.request.headers).slice(0, 300)}${shown}`;
  };

  const fuzzOperation = async (op: Operation, index: number): Promise<string | null> => {
    const result = await fc.check(
      fc.asyncProperty(requestArb(op), async (g) => {
        const sent = build(op, g);
        const res = await send(s.url, sent.request);
        counts.requests++;
        counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
        const problem = problemOf(op, sent, res);
        if (problem !== null) {
          throw new Error(
            `${problem}\n  request: ${describeSent(sent)}\n  answer: ${res.status} ${res.text.slice(0, 500)}`,
          );
        }
      }),
      { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
    );
    if (!result.failed) return null;
    const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    return `${op.method} ${op.path}: ${error}\n  (seed ${result.seed}, path "${result.counterexamplePath ?? ''}")`;
  };

  it(
    'answers every generated request without a 5xx, in JSON, with field-named errors',
    async () => {
      const failures: string[] = [];
      const queue = ops.map((op, i) => ({ op, i })).filter(({ op }) => op.method !== 'DELETE');
      // A few operations at a time: the server sees concurrent requests, the run stays short.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
            const failure = await fuzzOperation(item.op, item.i);
            if (failure !== null) failures.push(failure);
          }
        }),
      );
      for (const [i, op] of ops.entries()) {
        if (op.method !== 'DELETE') continue;
        const failure = await fuzzOperation(op, i);
        if (failure !== null) failures.push(failure);
      }
      console.log(
        `fuzz-api on ${kind}: ${counts.requests} requests, statuses ${JSON.stringify(Object.fromEntries([...counts.byStatus].sort((a, b) => a[0] - b[0])))}`,
      );
      expect(failures).toEqual([]);
      expect(counts.requests).toBeGreaterThan(1000);
    },
    soak(240_000, 3_600_000),
  );

  it('answers bodies at, just under and above the limit, deeply nested and prototype-polluting ones, on every operation with a body', async () => {
    const failures: string[] = [];
    for (const op of ops.filter((o) => o.body !== undefined && o.method !== 'DELETE')) {
      const limit = op.path.endsWith('/bulk') ? BULK_LIMIT : BODY_LIMIT;
      const pad = (n: number) => `{"padding":"${'x'.repeat(Math.max(0, n - 14))}"}`;
      const bodies: [string, Buffer][] = [
        ['under the limit', Buffer.from(pad(limit - 10))],
        ['at the limit', Buffer.from(pad(limit))],
        ['above the limit', Buffer.from(pad(limit + 1))],
        ['far above the limit', Buffer.alloc(limit * 4, 0x20)],
        ['10k nested arrays', Buffer.from(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`)],
        ['deep objects', Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`)],
        ['a huge array', Buffer.from(`[${'{},'.repeat(60_000)}{}]`)],
        ...POLLUTING.flatMap((p, i): [string, Buffer][] => [
          [`prototype keys ${i}`, Buffer.from(p.text)],
          [`nested prototype keys ${i}`, Buffer.from(`{"settings":${p.text},"data":${p.text},"a":[${p.text}]}`)],
        ]),
      ];
      for (const [what, body] of bodies) {
        const path = op.path.replace(/\{(\w+)\}/g, (_m, p: string) => realId(op, p)[0]!);
        const res = await send(s.url, {
          method: op.method,
          path,
          headers: { authorization: `ApiKey ${s.adminKey}`, 'content-type': 'application/json' },
          body,
        });
        const problem = problemOf(
          op,
          { request: { method: op.method, path, headers: {} }, faults: [], bodyLevel: true, brokenPath: false },
          res,
        );
        if (problem !== null) failures.push(`${op.method} ${op.path} ${what}: ${problem}: ${res.text.slice(0, 300)}`);
        if (what.includes('above') && res.status !== 413)
          failures.push(`${op.method} ${op.path} ${what}: ${res.status} not 413`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses what the long fuzzing found with a 400 naming the field: NUL in a query, years 0 and 275760', async () => {
    const cases: [string, string][] = [
      ['/v1/integrations?type=%00', 'type'],
      ['/v1/metrics/deployment-frequency?source=A&team=%00', 'team'],
      ['/v1/cicd/runs?since=275760-09-13&limit=1', 'since'],
      ['/v1/cicd/runs?until=-1', 'until'],
      ['/v1/metrics/time-to-restore?to=0000-01-01', 'to'],
      ['/v1/metrics/lead-time-for-changes?from=1969-12-31', 'from'],
      ['/v1/metrics/change-failure-rate?to=0001-01-01T00:00:00Z', 'to'],
    ];
    for (const [path, field] of cases) {
      const res = await s.api('GET', path);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.body.error.field, path).toBe(field);
    }
  });

  it('still answers its health probes, and no prototype was polluted', async () => {
    const health = await send(s.url, { method: 'GET', path: '/healthz', headers: {} });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const ready = await send(s.url, { method: 'GET', path: '/readyz', headers: {} });
    expect(ready.status).toBe(200);
    expect(polluted()).toBe(false);
    expect(prototypeShape()).toBe(protoBefore);
    const listed = await s.api('GET', '/v1/integrations');
    expect(listed.status).toBe(200);
  });
});
