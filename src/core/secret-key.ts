import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecretKeyText, parseSecretKey } from './crypto.js';

export const SECRET_KEY_FILE = 'secret.key';

/** The encryption key: `SEI_SECRET_KEY` when set, else a key file generated once in the data folder. */
export function resolveSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured !== undefined) return parseSecretKey(configured);
  const path = join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, newSecretKeyText() + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return parseSecretKey(readFileSync(path, 'utf8'));
}
