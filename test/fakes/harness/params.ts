// Query-parameter reading with Harness-like validation errors.

import type { Query } from '../common/http.js';
import { invalidRequest, validationFailure } from './errors.js';

export function first(query: Query, name: string): string | undefined {
  return query.get(name)?.[0];
}

export function all(query: Query, name: string): string[] {
  return [...(query.get(name) ?? [])].filter((v) => v !== '');
}

/** A required parameter (`@NotNull @QueryParam`): missing → 400 FailureDTO. */
export function required(query: Query, name: string): string {
  const value = first(query, name);
  if (value === undefined || value === '') throw validationFailure(name, 'must not be null');
  return value;
}

export interface IntRule {
  name: string;
  fallback: number;
  min?: number;
  max?: number;
}

/** An integer with bean-validation style bounds (`@Min`/`@Max` → FailureDTO). */
export function boundedInt(query: Query, rule: IntRule): number {
  const raw = first(query, rule.name);
  if (raw === undefined || raw === '') return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw invalidRequest(`${rule.name} must be an integer, got "${raw}"`);
  if (rule.min !== undefined && value < rule.min) {
    throw validationFailure(rule.name, `must be greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && value > rule.max) {
    throw validationFailure(rule.name, `must be less than or equal to ${rule.max}`);
  }
  return value;
}

/** An integer the resource method checks itself; `onBad` builds its error. */
export function plainInt(query: Query, name: string, fallback: number, onBad: () => Error): number {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw onBad();
  return value;
}

export function bool(query: Query, name: string, fallback: boolean): boolean {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return fallback;
  return raw.toLowerCase() === 'true';
}

/** Case-insensitive "contains", the way Harness list endpoints apply `searchTerm`. */
export function matchesSearch(term: string | undefined, ...fields: string[]): boolean {
  if (!term) return true;
  const needle = term.toLowerCase();
  return fields.some((f) => f.toLowerCase().includes(needle));
}
