// The Harness fake's random source: the shared mulberry32 (../common/prng.ts) plus Harness's id, hex and
// uuid formats. Every random choice in the fake goes through one, so the same seed always yields the
// same account, executions, tokens and fault order.

import { BASE64URL, HEX, Mulberry32, type BaseRng } from '../common/prng.js';

export interface Rng extends BaseRng {
  /** A Harness-style 22-character id (base64url alphabet), as used for planExecutionId and node uuids. */
  id(length?: number): string;
  hex(length: number): string;
  uuid(): string;
}

export function createRng(seed: number): Rng {
  return new HarnessRng(seed);
}

class HarnessRng extends Mulberry32 implements Rng {
  id(length = 22): string {
    return this.chars(BASE64URL, length);
  }

  hex(length: number): string {
    return this.chars(HEX, length);
  }

  uuid(): string {
    const h = this.chars(HEX, 32);
    const variant = HEX.charAt(8 + Math.floor(this.next() * 4));
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
