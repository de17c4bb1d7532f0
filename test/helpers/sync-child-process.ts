import { killAllProcesses, type ProcessEnd, TsxProcess } from './process.js';

/** One `sync-child.ts` process (see that file for its environment and its output lines). */
export class SyncChild extends TsxProcess {
  constructor(env: Record<string, string>) {
    super('test/helpers/sync-child.ts', [], env);
  }

  /** How many transactions this process has reported committed. */
  get committed(): number {
    return (this.stdout.match(/^committed \d+$/gm) ?? []).length;
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
  kill(): Promise<ProcessEnd> {
    return this.stop('SIGKILL');
  }
}

export function spawnSyncChild(env: Record<string, string>): SyncChild {
  return new SyncChild(env);
}

/** Kills every child still running (afterEach). */
export const killSyncChildren = killAllProcesses;
