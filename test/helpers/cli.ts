import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from here, as `npx sei` would. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Settings the parent's environment must never leak into a CLI under test (e.g. ./data in the repo). */
const OWN_SETTINGS = /^(SEI_|DATABASE_URL$|PORT$|HOST$)/;

const running = new Set<CliProcess>();

/** One `sei` process: its output so far, a wait for a line, and its end. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has ended and its output is closed; never rejects. */
  readonly ended: Promise<CliResult>;
  #done = false;
  readonly #waiters = new Set<() => void>();

  constructor(args: readonly string[], env: Record<string, string>) {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!OWN_SETTINGS.test(k)) base[k] = v;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
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

  #wake(): void {
    for (const w of [...this.#waiters]) w();
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
          reject(
            new Error(
              `sei ended (code ${this.child.exitCode}, signal ${this.child.signalCode}) ` +
                `before printing ${pattern} on ${stream}\n` +
                `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
            ),
          );
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a signal and answers how the process ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<CliResult> {
    if (!this.#done) this.child.kill(signal);
    return this.ended;
  }
}

/** Starts `sei <args>` with the given settings (on top of a parent environment without SEI_* settings). */
export function spawnCli(args: readonly string[], env: Record<string, string>): CliProcess {
  return new CliProcess(args, env);
}

/** Runs `sei <args>` to its end. */
export async function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnCli(args, env).ended;
}

/** Kills every CLI process a test started that is still running (for afterEach/afterAll). */
export async function killAllCli(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

/** The last non-empty line of an output. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
