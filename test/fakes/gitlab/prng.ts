// The GitLab fake's random source: the shared mulberry32 (../common/prng.ts) plus GitLab's token and sha
// formats. Every random choice of the fake goes through one, so the same seed always yields the same
// users, history and tokens.

import { BASE64URL, HEX, Mulberry32, type BaseRng } from '../common/prng.js';

export interface Rng extends BaseRng {
  /** A random string over `[A-Za-z0-9_-]`, the alphabet of GitLab personal access tokens. */
  token(length: number): string;
  hex(length: number): string;
}

export function createRng(seed: number): Rng {
  return new GitLabRng(seed);
}

class GitLabRng extends Mulberry32 implements Rng {
  token(length: number): string {
    return this.chars(BASE64URL, length);
  }

  /** A 40-digit sha (the common case) takes five draws instead of forty. */
  hex(length: number): string {
    if (length !== 40) return this.chars(HEX, length);
    let out = '';
    for (let i = 0; i < 5; i++) out += this.seed().toString(16).padStart(8, '0');
    return out;
  }
}
