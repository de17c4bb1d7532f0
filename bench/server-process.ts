import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromServer, StoreInfo, ToServer } from './protocol.js';

type Stats = Extract<FromServer, { type: 'stats' }>;

/** BENCH_PROFILE=<dir>: the server writes V8 CPU profiles there (one per thread), to open in DevTools. */
function profileArgs(): string[] {
  const dir = process.env['BENCH_PROFILE'];
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** The server under test in a child process (`node --import tsx bench/server.ts`), driven over IPC. */
export class ServerProcess {
  readonly url: string;
  readonly adminKey: string;
  readonly store: StoreInfo;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (s: Stats) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited = false;

  private constructor(child: ChildProcess, ready: Extract<FromServer, { type: 'ready' }>) {
    this.#child = child;
    this.url = ready.url;
    this.adminKey = ready.adminKey;
    this.store = ready.store;
    this.pid = child.pid ?? -1;
    child.on('message', (msg: FromServer) => {
      if (msg.type !== 'stats') return;
      this.#pending.get(msg.id)?.resolve(msg);
      this.#pending.delete(msg.id);
    });
    child.on('exit', (code) => {
      this.#exited = true;
      for (const p of this.#pending.values()) p.reject(new Error(`The server process exited (${code}).`));
      this.#pending.clear();
    });
  }

  /** Starts the server with `env` (BENCH_DATA_DIR, optionally BENCH_DATABASE_URL) and waits until it listens. */
  static async start(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
    const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      execArgv: ['--import', 'tsx', ...nodeArgs, ...profileArgs()],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<FromServer, { type: 'ready' }>>((resolve, reject) => {
      child.on('message', (msg: FromServer) => {
        if (msg.type === 'ready') resolve(msg);
        else if (msg.type === 'failed') reject(new Error(`The server did not start: ${msg.message}`));
      });
      child.once('exit', (code) => reject(new Error(`The server process exited (${code}) before it was ready.`)));
      child.once('error', reject);
    });
    return new ServerProcess(child, ready);
  }

  /** Stored run count, database counters and CPU time of the server process. */
  stats(options: { gc?: boolean } = {}): Promise<Stats> {
    if (this.#exited) return Promise.reject(new Error('The server process has exited.'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ op: 'stats', id, ...options } satisfies ToServer);
    });
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ op: 'stop' } satisfies ToServer);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
