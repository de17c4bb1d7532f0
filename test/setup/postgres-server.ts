// Starts a throwaway PostgreSQL server from Debian's `postgresql` package for the test suite,
// installing the package when it is missing. Never skips: without a server the suite fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/process.js';

const PG_ROOT = '/usr/lib/postgresql';

function findBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin');
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function run(cmd: string, args: string[], asPostgres = false): string {
  const [file, argv] = asPostgres && isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout}`);
  }
  return res.stdout;
}

function install(): void {
  process.stderr.write('[test] PostgreSQL server not found: installing Debian package "postgresql"...\n');
  const sudo = isRoot() ? [] : ['sudo', '-n'];
  const apt = (args: string[]): void => {
    const [file, ...rest] = [...sudo, 'apt-get', ...args];
    execFileSync(file!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    apt(['install', '-y', '-q', 'postgresql']);
  } catch {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', 'postgresql']);
  }
}

export interface PostgresServer {
  url: string;
  stop(): void;
}

/** initdb in a temp folder and pg_ctl start on a loopback port; `stop` removes everything. */
export async function startPostgres(): Promise<PostgresServer> {
  let bin = findBinDir();
  if (bin === undefined) {
    install();
    bin = findBinDir();
    if (bin === undefined) throw new Error('PostgreSQL was installed but initdb is still missing');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sei-test-pg-'));
  chmodSync(dir, 0o700);
  if (isRoot()) {
    const uid = Number(run('id', ['-u', 'postgres']).trim());
    const gid = Number(run('id', ['-g', 'postgres']).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], true);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start'], true);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
