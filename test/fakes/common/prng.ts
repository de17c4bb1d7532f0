// The seeded PRNG (mulberry32) both fakes draw from. Every random choice of a fake goes through one,
// so the same seed always yields the same data, tokens and fault order. Each fake extends the class
// with its upstream's id and token formats (harness/prng.ts, gitlab/prng.ts).

/** The base64url alphabet: Harness ids and GitLab tokens are drawn from it. */
export const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
export const HEX = '0123456789abcdef';

/** A deterministic random source; each instance keeps its own state. */
export interface BaseRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** A 32-bit seed for a child generator. */
  seed(): number;
}

/** Reads `items[index]`, failing loudly instead of yielding undefined. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`index ${index} out of range (length ${items.length})`);
  return item;
}

/** Mixes a seed with labels (FNV-1a), so each org, project or stream gets an independent sequence. */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of labels.join('/')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A class rather than closures: the GitLab simulation makes one per pipeline, so allocation matters. */
export class Mulberry32 implements BaseRng {
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

  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** `length` characters drawn from `alphabet`. */
  protected chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(Math.floor(this.next() * alphabet.length));
    return out;
  }
}
