import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type ErrorDetail, validationError } from './errors.js';

// Bodies are checked as sent (no coercion); query strings arrive as text, so they are coerced.
const bodyAjv = new Ajv({ allErrors: true, strict: false, verbose: true, coerceTypes: false, useDefaults: false });
const queryAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: 'array', useDefaults: true });
const cache = new WeakMap<TSchema, ValidateFunction>();

/** A compiled validator for one part of a request, for Fastify's validator compiler. */
export function compileFor(schema: TSchema, part: string): ValidateFunction | ((data: unknown) => boolean) {
  if (part !== 'body') return queryAjv.compile(schema);
  const validate = bodyAjv.compile(schema);
  if ((schema as { 'x-optional-body'?: boolean })['x-optional-body'] !== true) return validate;
  // A POST without a body is fine where every field is optional (`curl -X POST .../sync`).
  // Fastify hands a missing body to the validator as null.
  const optional = (data: unknown): boolean => data === undefined || data === null || validate(data);
  return Object.defineProperty(optional, 'errors', { get: () => validate.errors });
}

/** JSON-pointer-ish path of an ajv error as a dotted field name (`job_run.stages[0].result`). */
export function fieldOf(e: ErrorObject, prefix = ''): string {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties') {
    parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  }
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function describe(e: ErrorObject, field: string): ErrorDetail {
  // '' is the body itself, or (an unknown field) a key that is the empty string.
  const name = field !== '' ? field : e.keyword === 'additionalProperties' ? 'The empty field name ""' : 'The body';
  // A schema may say in words what its value must be (`x-message`), better than a pattern.
  const custom = (e.parentSchema as { 'x-message'?: string } | undefined)?.['x-message'];
  if (custom !== undefined && e.keyword !== 'required' && e.keyword !== 'additionalProperties') {
    return { code: e.keyword === 'type' ? 'wrong_type' : 'invalid_value', field, message: `${name} ${custom}.` };
  }
  switch (e.keyword) {
    case 'required':
      return { code: 'missing_field', field, message: `${name} is required.` };
    case 'type': {
      const t = e.params['type'];
      const types = (Array.isArray(t) ? t : String(t).split(',')).map((x) =>
        /^[aeiou]/.test(x) ? `an ${x}` : `a ${x}`,
      );
      return { code: 'wrong_type', field, message: `${name} must be ${types.join(' or ')}.` };
    }
    case 'additionalProperties':
      return { code: 'unknown_field', field, message: `${name} is not a known field.` };
    case 'enum':
      return {
        code: 'invalid_value',
        field,
        message: `${name} must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}.`,
      };
    default:
      return { code: 'invalid_value', field, message: `${name} ${e.message ?? 'is invalid'}.` };
  }
}

/** Validates against a TypeBox schema (the same one OpenAPI shows) and names every failing field. */
export function check<T>(schema: TSchema, value: unknown, prefix = ''): T {
  let fn = cache.get(schema);
  if (fn === undefined) {
    fn = bodyAjv.compile(schema);
    cache.set(schema, fn);
  }
  if (fn(value)) return value as T;
  throw validationError(detailsOf(fn.errors ?? [], prefix));
}

/** One detail per failing field and problem, from ajv's errors. */
export function detailsOf(errors: readonly ErrorObject[], prefix = ''): ErrorDetail[] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const d = describe(e, fieldOf(e, prefix));
    const key = `${d.field ?? ''}|${d.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(d);
  }
  return details;
}
