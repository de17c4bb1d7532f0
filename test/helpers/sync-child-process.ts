import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './cli.js';

const ENTRY = 'test/helpers/sync-child.ts';
/** Settings the parent's environment must never leak into the child. */
const OWN_SETTINGS = /^(SEI_|SYNC_CHILD_|DATABASE_URL$)/;

export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<SyncChild>();

/** One `sync-child.ts` process (see that file for its environment and its output lines). */
export class SyncChild {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly ended: Promise<ChildEnd>;
  #done = false;
  readonly #waiters = new Set<() => void>();

  constructor(env: Record<string, string>) {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!OWN_SETTINGS.test(k)) base[k] = v;
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
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

  get done(): boolean {
    return this.#done;
  }

  /** How many transactions this process has reported committed. */
  get committed(): number {
    return (this.stdout.match(/^committed \d+$/gm) ?? []).length;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Waits until stdout matches; rejects with the output when the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(this.stdout);
        if (m !== null) {
          this.#waiters.delete(check);
          resolve(m);
        } else if (this.#done) {
          this.#waiters.delete(check);
          reject(new Error(`sync child ended before printing ${pattern}\n${this.describe()}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits until the process has reported its n-th transaction committed. */
  async waitForCommit(n: number): Promise<void> {
    await this.waitFor(new RegExp(`^committed ${n}$`, 'm'));
  }

  /** Waits until the process has reported its n-th transaction started (it is open until `committed n`). */
  async waitForBegin(n: number): Promise<void> {
    await this.waitFor(new RegExp(`^begin ${n}$`, 'm'));
  }

  /** SIGKILL: no handler runs, nothing is flushed or closed. Answers how it ended. */
  async kill(): Promise<ChildEnd> {
    if (!this.#done) this.child.kill('SIGKILL');
    return this.ended;
  }

  describe(): string {
    return `exit ${this.child.exitCode}, signal ${this.child.signalCode}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }
}

export function spawnSyncChild(env: Record<string, string>): SyncChild {
  return new SyncChild(env);
}

/** Kills every sync child still running (afterEach). */
export async function killSyncChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.kill()));
}
