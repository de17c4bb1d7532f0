// A throwaway PostgreSQL server for the benchmark, with the server's durable defaults (fsync on,
// synchronous_commit on, full_page_writes on). test/setup/postgres-server.ts starts one with
// fsync=off for speed; that is right for tests and wrong for a benchmark, hence this small copy.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

export interface BenchPostgres {
  /** URL of the `postgres` database; the bench makes its own database in it. */
  url: string;
  /** Where the data folder lives (its file system decides what an fsync costs). */
  dataDir: string;
  /** The server settings passed on the command line, for the report. */
  settings: string[];
  /** The postmaster's process id (its backends are its children). */
  pid: number;
  stop(): void;
}

function binDir(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      'No PostgreSQL server under /usr/lib/postgresql: install the Debian package "postgresql" ' +
        '(or run `npm test` once, which installs it).',
    );
  }
  return join(PG_ROOT, versions[0], 'bin');
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL tool; as root, through `runuser -u postgres` (PostgreSQL refuses to run as root). */
function run(cmd: string, args: string[], asPostgres = false): string {
  const [file, argv] = asPostgres && isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout}`);
  return res.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

/** initdb in a temp folder and pg_ctl start on a loopback port, durable settings; `stop` removes it all. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'sei-bench-pg-'));
  chmodSync(dir, 0o700);
  if (isRoot()) {
    chownSync(dir, Number(run('id', ['-u', 'postgres']).trim()), Number(run('id', ['-g', 'postgres']).trim()));
  }
  const data = join(dir, 'data');
  // --no-sync only skips initdb's own final sync of the fresh cluster; the server below syncs as usual.
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], true);
  const port = await freePort();
  const settings = [`port=${port}`, `unix_socket_directories=${dir}`, 'listen_addresses=127.0.0.1'];
  const opts = settings.map((s) => `-c ${s}`).join(' ');
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start'], true);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir: data,
    settings,
    pid,
    stop: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
