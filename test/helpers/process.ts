import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: child processes run from here, as `npx sei` would. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Settings the parent's environment must never leak into a child (e.g. ./data in the repo, a DATABASE_URL). */
const OWN_SETTINGS = /^(SEI_|SYNC_CHILD_|DATABASE_URL$|PORT$|HOST$)/;

const running = new Set<TsxProcess>();

/** A TypeScript entry run as a real process (`node --import tsx`): its output so far, waits for a line, its end. */
export class TsxProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has ended and its output is closed; never rejects. */
  readonly ended: Promise<ProcessEnd>;
  #done = false;
  readonly #waiters = new Set<() => void>();

  constructor(entry: string, args: readonly string[], env: Record<string, string>) {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!OWN_SETTINGS.test(k)) base[k] = v;
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#wake();
    });
    this.ended = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.#done = true;
        running.delete(this);
        this.#wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      };
      this.child.once('close', finish);
      this.child.once('error', (err) => {
        this.stderr += String(err);
        finish(null, null);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get done(): boolean {
    return this.#done;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** How it ended and what it printed, for assertion messages. */
  describe(): string {
    return `exit ${this.child.exitCode}, signal ${this.child.signalCode}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }

  /** Waits until stdout (or stderr) matches; rejects (with the output) if the process ends first. */
  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(stream === 'stdout' ? this.stdout : this.stderr);
        if (m !== null) {
          this.#waiters.delete(check);
          resolve(m);
        } else if (this.#done) {
          this.#waiters.delete(check);
          reject(new Error(`the process ended before printing ${pattern} on ${stream}\n${this.describe()}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a signal and answers how the process ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ProcessEnd> {
    if (!this.#done) this.child.kill(signal);
    return this.ended;
  }
}

/** Kills every child process a test started that is still running (for afterEach/afterAll). */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}
