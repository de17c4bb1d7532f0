// Query parameters with Grape-style validation: each bad value adds "x is invalid" or "x does not have a
// valid value", and `done()` answers 400 with all of them at once, before the endpoint runs.

import type { Query } from '../common/http.js';
import { invalidParams } from './errors.js';
import { parseDateTime } from './time.js';

export class Params {
  private readonly errors: string[] = [];

  constructor(readonly query: Query) {}

  raw(name: string): string | undefined {
    return this.query.get(name)?.[0];
  }

  /** Array parameters: `scope[]=a&scope[]=b`, `scope=a` or `scope=a,b`. */
  list(name: string): string[] {
    const values = [...(this.query.get(`${name}[]`) ?? []), ...(this.query.get(name) ?? [])];
    return values.flatMap((v) => v.split(',')).filter((v) => v !== '');
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.errors.push(`${name} is invalid`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.errors.push(`${name} is invalid`);
    return undefined;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T | undefined {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.errors.push(`${name} does not have a valid value`);
    return fallback;
  }

  /** Every entry of an array parameter must be one of `values`. */
  listOf<T extends string>(name: string, values: readonly T[]): T[] {
    const entries = this.list(name);
    if (entries.some((v) => !(values as readonly string[]).includes(v))) {
      this.errors.push(`${name} does not have a valid value`);
      return [];
    }
    return entries as T[];
  }

  /** `<name>_after` and `<name>_before`, read in that order. */
  timeRange(name: string): TimeRange {
    return { after: this.dateTime(`${name}_after`), before: this.dateTime(`${name}_before`) };
  }

  dateTime(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const ms = parseDateTime(value);
    if (Number.isNaN(ms)) {
      this.errors.push(`${name} is invalid`);
      return undefined;
    }
    return ms;
  }

  /** Throws the 400 if any parameter was bad. */
  done(): void {
    if (this.errors.length > 0) throw invalidParams(this.errors);
  }
}

/** A time filter; both bounds are inclusive (`updated_after` is `>=`), so a cursor sync sees its boundary rows again. */
export interface TimeRange {
  after: number | undefined;
  before: number | undefined;
}

export function isBounded(range: TimeRange): boolean {
  return range.after !== undefined || range.before !== undefined;
}

/** Whether `t` is inside the range; no time at all (null) is inside an unbounded range only. */
export function inRange(range: TimeRange, t: number | null): boolean {
  return (
    (range.after === undefined || (t !== null && t >= range.after)) &&
    (range.before === undefined || (t !== null && t <= range.before))
  );
}

export type SortDirection = 'asc' | 'desc';
export const SORTS: readonly SortDirection[] = ['asc', 'desc'];

/** Sorts by a key (numbers or strings) with the id as a tie-breaker, ascending or descending. */
export function sortBy<T extends { id: number }>(
  items: T[],
  key: (item: T) => number | string,
  dir: SortDirection,
): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((a, b) => sign * (a.k < b.k ? -1 : a.k > b.k ? 1 : a.item.id - b.item.id));
  return keyed.map((x) => x.item);
}
