/**
 * How hard the load, fault and fuzz tests push. The default suite runs a size that finishes in about a minute
 * per file on a 2-core machine; `npm run test:soak` (SEI_SOAK=1) runs the long variants.
 */
export const SOAK = process.env['SEI_SOAK'] === '1';

/** `normal` in the default suite, `long` under `npm run test:soak`. */
export function soak<T>(normal: T, long: T): T {
  return SOAK ? long : normal;
}
