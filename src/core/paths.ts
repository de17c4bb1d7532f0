import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder of OpenSEI's package.json (which holds `migrations/`), found from this file up, so it is the
 * same from src/ (tsx, tests) and from the build in dist/src/.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error('OpenSEI is damaged: no package.json with migrations/ above it.');
  }
}

/** OpenSEI's version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
