// Property-based fuzzing helpers: requests generated from the OpenAPI document's schemas, mutated towards what a
// careless or hostile client sends, sent as raw bytes, and the answers held to the error convention.
import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import { SOAK } from './soak.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = any;

/** The seed of every property: fixed by default (reproducible), random under SEI_SOAK=1, or SEI_TEST_FUZZ_SEED. */
export function fuzzSeed(): number {
  const given = process.env['SEI_TEST_FUZZ_SEED'];
  if (given !== undefined && given !== '') return Number(given) | 0;
  return SOAK ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : 20_261_129;
}

/** Text put in a JSON body as is: numbers JSON.parse turns into Infinity or rounds, nesting too deep for a stack. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * JSON text of a value; RawJson pieces go in verbatim and own `__proto__` keys stay keys. Iterative: a generated
 * value may be nested deeper than the stack allows.
 */
export function jsonText(value: unknown): string {
  type Task = { v: unknown } | { s: string };
  const out: string[] = [];
  const tasks: Task[] = [{ v: value }];
  while (tasks.length > 0) {
    const t = tasks.pop()!;
    if ('s' in t) {
      out.push(t.s);
      continue;
    }
    const v = t.v;
    let seq: Task[];
    if (v instanceof RawJson) {
      out.push(v.text);
      continue;
    } else if (Array.isArray(v)) {
      seq = [
        { s: '[' },
        ...v.flatMap((x, i): Task[] => [...(i > 0 ? [{ s: ',' }] : []), { v: x ?? null }]),
        { s: ']' },
      ];
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      seq = [
        { s: '{' },
        ...keys.flatMap((k, i): Task[] => [
          ...(i > 0 ? [{ s: ',' }] : []),
          { s: `${JSON.stringify(k)}:` },
          { v: (v as Record<string, unknown>)[k] },
        ]),
        { s: '}' },
      ];
    } else {
      out.push(JSON.stringify(v) ?? 'null');
      continue;
    }
    for (let i = seq.length - 1; i >= 0; i--) tasks.push(seq[i]!);
  }
  return out.join('');
}

/** Sets a key as an own enumerable property, even `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Bodies that pollute Object.prototype wherever a handler deep-merges or copies them carelessly. */
export const POLLUTING = [
  new RawJson('{"__proto__":{"polluted":"yes"}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  new RawJson('{"prototype":{"polluted":"yes"},"__proto__":[1]}'),
  new RawJson('{"__proto__":{"__proto__":{"polluted":"yes"}}}'),
];

/** Keys that reach for a prototype, or a built-in, when a handler copies them carelessly. */
export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
];

const loneSurrogates = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 3 })
  .map((cs) => `a${String.fromCharCode(...cs)}z`);

/** Values no schema asks for: out-of-range numbers, odd strings, deep nesting, prototype keys. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POLLUTING) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      new RawJson('1e308'),
      new RawJson('-1e308'),
      new RawJson('1e309'),
      new RawJson('-1e400'),
      new RawJson('-0'),
      new RawJson('-0.0'),
      new RawJson('1E-400'),
      new RawJson('123456789012345678901234567890'),
      new RawJson('-9223372036854775809'),
      new RawJson('9007199254740993'),
      new RawJson('0.1e1'),
      new RawJson('1.0'),
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.MAX_SAFE_INTEGER + 2,
      -(2 ** 63),
      2 ** 31,
      -1,
      0,
      1.5,
      'NaN',
      'Infinity',
      '-Infinity',
      '1e308',
      '-0',
      '0x1F',
      ' 42 ',
      '',
      ' ',
      '\u0000',
      'null',
      'true',
      '9999-99-99',
      '0000-00-00T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      null,
      true,
      false,
      [],
      {},
      [null],
      { '': '' },
    ),
  },
  { weight: 2, arbitrary: loneSurrogates },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(65, 257, 1025, 4097, 65_537, 70_000).map((n) => 'é'.repeat(Math.ceil(n / 2))),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      new RawJson('['.repeat(10_000) + ']'.repeat(10_000)),
      new RawJson('{"a":'.repeat(3000) + '1' + '}'.repeat(3000)),
      new RawJson('['.repeat(100_000) + ']'.repeat(100_000)),
      new RawJson('[' + '1,'.repeat(20_000) + '1]'),
    ),
  },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => new RawJson(n.toString())) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Resolves a local `$ref` of the document (Error and the like); unknown references take any value. */
function resolve(schema: Schema, doc: Schema): Schema {
  if (schema === undefined || schema === null || typeof schema !== 'object') return {};
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1);
    return doc?.components?.schemas?.[name] ?? {};
  }
  return schema;
}

/** Overrides for fields naming the server's real resources, so the request gets past existence checks. */
export type Named = (name: string) => fc.Arbitrary<unknown> | undefined;

/** Plausible values for a schema: what a well-behaved client might send (some still semantically wrong). */
export function valueFor(raw: Schema, doc: Schema, named: Named, name = '', depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(raw, doc);
  const override = named(name);
  if (override !== undefined) return override;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) return fc.oneof(...branches.map((b) => valueFor(b, doc, named, name, depth)));
  if (Array.isArray(schema.allOf)) {
    return fc
      .tuple(...(schema.allOf as Schema[]).map((b) => valueFor(b, doc, named, name, depth)))
      .map((parts) => Object.assign({}, ...parts.filter((p) => p !== null && typeof p === 'object')));
  }
  if (Array.isArray(schema.type)) {
    return fc.oneof(...(schema.type as string[]).map((t) => valueFor({ ...schema, type: t }, doc, named, name, depth)));
  }
  switch (schema.type) {
    case 'object':
      return objectFor(schema, doc, named, depth);
    case 'array':
      return fc.array(valueFor(schema.items, doc, named, name, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, depth > 2 ? 1 : 3)),
      });
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      return stringFor(schema);
    default:
      return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectFor(schema: Schema, doc: Schema, named: Named, depth: number): fc.Arbitrary<unknown> {
  const props: Record<string, Schema> = schema.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 0) {
    if (schema.additionalProperties === false) return fc.constant({});
    const value =
      schema.additionalProperties === undefined || schema.additionalProperties === true
        ? fc.jsonValue({ maxDepth: 1 })
        : valueFor(schema.additionalProperties, doc, named, '', depth + 1);
    const out = schema.patternProperties === undefined ? value : fc.jsonValue({ maxDepth: 1 });
    return fc.dictionary(fc.string({ maxLength: 12 }), out, { maxKeys: 3 });
  }
  const arbs = Object.fromEntries(keys.map((k) => [k, valueFor(props[k], doc, named, k, depth + 1)]));
  const required: string[] = (schema.required ?? []).filter((k: string) => k in arbs);
  return fc.record(arbs, { requiredKeys: required });
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  const min: number = schema.minLength ?? 0;
  const max: number = Math.max(min, Math.min(schema.maxLength ?? 24, 24));
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= 4096);
    } catch {
      // a pattern fast-check cannot generate from: plain text below
    }
  }
  return fc.string({ minLength: min, maxLength: max });
}

/** One change to a valid body: a field replaced, removed or added (prototype keys first among the added). */
export interface Mutation {
  kind: 'replace' | 'delete' | 'add' | 'wrap';
  /** Which path of the value, modulo how many it has. */
  at: number;
  key: string;
  value: unknown;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'delete', 'add', 'add', 'wrap'),
  at: fc.nat(),
  key: fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 }), fc.constant('x'.repeat(300))),
  // Under a `__proto__` or `constructor` key these reach Object.prototype in a careless deep merge.
  value: fc.oneof(
    { weight: 3, arbitrary: weirdValue },
    {
      weight: 1,
      arbitrary: fc.constantFrom(new RawJson('{"polluted":"yes"}'), new RawJson('{"prototype":{"polluted":"yes"}}')),
    },
  ),
});

interface Slot {
  path: string;
  parent: Record<string, unknown> | unknown[] | null;
  key: string | number;
}

function slotsOf(value: unknown): Slot[] {
  const out: Slot[] = [{ path: '', parent: null, key: '' }];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ path: `${path}[${i}]`, parent: v, key: i });
        walk(x, `${path}[${i}]`);
      });
    } else if (v !== null && typeof v === 'object' && !(v instanceof RawJson)) {
      for (const k of Object.keys(v)) {
        const p = path === '' ? k : `${path}.${k}`;
        out.push({ path: p, parent: v as Record<string, unknown>, key: k });
        walk((v as Record<string, unknown>)[k], p);
      }
    }
  };
  walk(value, '');
  return out;
}

/** A deep copy that keeps RawJson pieces and own `__proto__` keys. */
function clone(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, clone((value as Record<string, unknown>)[k]));
    return out;
  }
  return value;
}

/** Applies mutations to a copy of `body`; answers it with the paths broken ('' = the whole body). */
export function mutate(body: unknown, mutations: readonly Mutation[]): { body: unknown; faults: string[] } {
  let out = clone(body);
  const faults: string[] = [];
  for (const m of mutations) {
    const slots = slotsOf(out);
    const slot = slots[m.at % slots.length]!;
    if (m.kind === 'wrap') {
      out = m.at % 2 === 0 ? [out] : new RawJson(`{"data":{"payload":${jsonText(out)}}}`);
      faults.push('');
    } else if (m.kind === 'add') {
      const target = slot.parent === null ? out : (slot.parent as Record<string, unknown>)[slot.key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target) && !(target instanceof RawJson)) {
        setOwn(target as Record<string, unknown>, m.key, m.value);
        faults.push(slot.path === '' ? m.key : `${slot.path}.${m.key}`);
      }
    } else if (slot.parent === null) {
      out = m.kind === 'delete' ? undefined : m.value;
      faults.push('');
    } else if (m.kind === 'delete') {
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      faults.push(slot.path);
    } else {
      if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = m.value;
      else setOwn(slot.parent, slot.key as string, m.value);
      faults.push(slot.path);
    }
  }
  return { body: out, faults };
}

/** How the body goes on the wire: its Content-Type and what happens to its bytes. */
export interface Encoding {
  contentType: string | null;
  bytes: 'utf8' | 'bom' | 'invalid-utf8' | 'utf16le' | 'truncate' | 'garbage' | 'empty' | 'latin1';
  at: number;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'];

export const encodingArb: fc.Arbitrary<Encoding> = fc.record({
  contentType: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<string | null>(...JSON_TYPES) },
    {
      weight: 4,
      arbitrary: fc.constantFrom<string | null>(
        'Application/JSON',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset="utf-8"; boundary=x',
        'application/json;;',
        'application/json , text/plain',
        'application/x-ndjson',
        'application/jsonl',
        'text/plain',
        'text/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=abc',
        'application/octet-stream',
        'application/',
        '/json',
        '*/*',
        ';',
        '',
        null,
        'application/json\u00e9',
        'application/vnd.api+json',
        'application/problem+json',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)) },
  ),
  bytes: fc.oneof(
    { weight: 12, arbitrary: fc.constant<Encoding['bytes']>('utf8') },
    {
      weight: 6,
      arbitrary: fc.constantFrom<Encoding['bytes']>(
        'bom',
        'invalid-utf8',
        'invalid-utf8',
        'utf16le',
        'truncate',
        'garbage',
        'empty',
        'latin1',
      ),
    },
  ),
  at: fc.nat(),
});

const INVALID_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc0, 0xaf],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

/** The bytes of a body text under an encoding. */
export function encodeBody(text: string, enc: Encoding): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  switch (enc.bytes) {
    case 'utf8':
      return utf8;
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
    case 'latin1':
      return Buffer.from(text.replace(/"/, '"\u00e9\u00ff'), 'latin1');
    case 'truncate':
      return utf8.subarray(0, utf8.length === 0 ? 0 : enc.at % utf8.length);
    case 'garbage':
      return Buffer.concat([utf8, Buffer.from(' }{"x":', 'utf8')]);
    case 'empty':
      return Buffer.alloc(0);
    case 'invalid-utf8': {
      // Inside a string when there is one (the JSON stays well-formed), else anywhere.
      const bad = Buffer.from(INVALID_UTF8[enc.at % INVALID_UTF8.length]!);
      const quotes: number[] = [];
      for (let q = text.indexOf('"'); q >= 0 && quotes.length < 1000; q = text.indexOf('"', q + 1)) quotes.push(q);
      const q = quotes.length > 0 ? quotes[enc.at % quotes.length]! : -1;
      const at = q >= 0 ? Buffer.byteLength(text.slice(0, q + 1)) : enc.at % (utf8.length + 1);
      return Buffer.concat([utf8.subarray(0, at), bad, utf8.subarray(at)]);
    }
  }
}

/** Whether the encoding alone makes the body unreadable as JSON (no field can be at fault). */
export function bodyLevelEncoding(enc: Encoding): boolean {
  return enc.bytes !== 'utf8' || enc.contentType === null || !JSON_TYPES.includes(enc.contentType);
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  jsonOk: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Sends exactly these bytes and headers (node:http lets latin1 bytes through in header values). */
export function send(base: string, req: RawRequest, timeoutMs = 60_000): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = req.body.length;
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          let jsonOk = false;
          try {
            json = JSON.parse(text);
            jsonOk = true;
          } catch {
            // the caller decides whether this route may answer something else
          }
          resolvePromise({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            json,
            jsonOk,
          });
        });
      },
    );
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Percent-encoding of text, lone surrogates included (as the invalid UTF-8 bytes a careless encoder sends). */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

/** How deeply the request's body nests arrays and objects (an upper bound: brackets in strings count too). */
export function nesting(sent: { request: { body?: Buffer } }): number {
  const body = sent.request.body;
  if (body === undefined) return 0;
  let depth = 0;
  let max = 0;
  for (const b of body) {
    if (b === 0x5b || b === 0x7b) max = Math.max(max, ++depth);
    else if (b === 0x5d || b === 0x7d) depth--;
  }
  return max;
}

/** Codes of errors about the body as a whole (unreadable, too big, wrong shape at the top): no field to name. */
export const BODY_LEVEL_CODES = new Set([
  'invalid_json',
  'empty_body',
  'body_too_large',
  'unsupported_media_type',
  'invalid_content_type',
  'invalid_content_length',
  'invalid_body',
  'too_many_lines',
]);

/** The fields an error names: `error.field` and each `error.details[].field`. */
export function fieldsNamed(json: unknown): string[] {
  const e = (json as { error?: { field?: unknown; details?: { field?: unknown }[] } } | undefined)?.error;
  const out: string[] = [];
  if (typeof e?.field === 'string' && e.field !== '') out.push(e.field);
  for (const d of Array.isArray(e?.details) ? e.details : []) {
    if (typeof d?.field === 'string' && d.field !== '') out.push(d.field);
  }
  return out;
}

/**
 * Whether a 400 names what is at fault: a field (`error.field`, `error.details[].field`), or with `field: ""` the body
 * itself (when the request's body as a whole is wrong) or an unknown key that is the empty string.
 */
export function namesFault(json: unknown, bodyLevel: boolean): boolean {
  const e = (json as { error: { code: string; field?: unknown } }).error;
  if (BODY_LEVEL_CODES.has(e.code) || fieldsNamed(json).length > 0) return true;
  return e.field === '' && (bodyLevel || e.code === 'unknown_field');
}

/** What is wrong with a 4xx answer's body under the convention `{error: {code, message, field?, details?}}`. */
export function errorShapeProblem(json: unknown): string | null {
  const e = (json as { error?: Record<string, unknown> } | undefined)?.error;
  if (e === undefined || e === null || typeof e !== 'object') return 'no error object';
  if (typeof e['code'] !== 'string' || e['code'] === '') return 'no error.code';
  if (typeof e['message'] !== 'string' || e['message'] === '') return 'no error.message';
  if (e['field'] !== undefined && typeof e['field'] !== 'string') return 'error.field is not a string';
  if (e['details'] !== undefined) {
    if (!Array.isArray(e['details'])) return 'error.details is not an array';
    for (const d of e['details'] as Record<string, unknown>[]) {
      if (typeof d?.['code'] !== 'string' || typeof d['message'] !== 'string') return 'a detail without code/message';
    }
  }
  return null;
}

/** Own properties of Object.prototype now; compared before and after to see a pollution. */
export function prototypeShape(): string {
  return Object.getOwnPropertyNames(Object.prototype).sort().join(',');
}

/** Whether something polluted the prototypes of this process. */
export function polluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return probe['polluted'] !== undefined || ([] as unknown as Record<string, unknown>)['polluted'] !== undefined;
}
