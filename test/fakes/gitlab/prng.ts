// A small seeded PRNG (mulberry32) and helpers, as in the Harness fake. Every random choice of the fake
// goes through one of these, so the same seed always yields the same users, history and tokens.

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const HEX = '0123456789abcdef';

/** A deterministic random source; each instance keeps its own state. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** A random string over `[A-Za-z0-9_-]`, the alphabet of GitLab personal access tokens. */
  token(length: number): string;
  hex(length: number): string;
  /** A 32-bit seed for a child generator. */
  seed(): number;
}

/** Reads `items[index]`, failing loudly instead of yielding undefined. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`index ${index} out of range (length ${items.length})`);
  return item;
}

/** Mixes a seed with labels (FNV-1a), so each project or stream gets an independent sequence. */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of labels.join('/')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function createRng(seed: number): Rng {
  return new Mulberry32(seed);
}

/** A class rather than closures: the simulation makes one per pipeline, so allocation matters. */
class Mulberry32 implements Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return at(items, Math.floor(this.next() * items.length));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return at(entries, entries.length - 1)[0];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [at(copy, j), at(copy, i)];
    }
    return copy;
  }

  token(length: number): string {
    return this.chars(TOKEN_ALPHABET, length);
  }

  hex(length: number): string {
    if (length !== 40) return this.chars(HEX, length);
    let out = '';
    for (let i = 0; i < 5; i++) out += this.seed().toString(16).padStart(8, '0');
    return out;
  }

  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  private chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(Math.floor(this.next() * alphabet.length));
    return out;
  }
}
