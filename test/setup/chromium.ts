// Makes sure Debian's Chromium is there for the browser tests, installing the package when it is missing.
// Never skips: without a browser the browser tests fail.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  process.stderr.write('[test] Chromium not found: installing Debian package "chromium"...\n');
  const sudo = typeof process.getuid === 'function' && process.getuid() === 0 ? [] : ['sudo', '-n'];
  const apt = (args: string[]): void => {
    const [file, ...rest] = [...sudo, 'apt-get', ...args];
    execFileSync(file!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    apt(['install', '-y', '-q', 'chromium']);
  } catch {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', 'chromium']);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`The chromium package was installed but ${CHROMIUM} is still missing`);
}
