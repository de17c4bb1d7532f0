import { killAllProcesses, type ProcessEnd, TsxProcess } from './process.js';

export type CliResult = ProcessEnd;
/** One `sei` process. */
export type CliProcess = TsxProcess;

/** Starts `sei <args>` with the given settings (on top of a parent environment without SEI_* settings). */
export function spawnCli(args: readonly string[], env: Record<string, string>): CliProcess {
  return new TsxProcess('src/cli/main.ts', args, env);
}

/** Runs `sei <args>` to its end. */
export async function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnCli(args, env).ended;
}

/** Kills every CLI process a test started that is still running (for afterEach/afterAll). */
export const killAllCli = killAllProcesses;

/** The last non-empty line of an output. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
