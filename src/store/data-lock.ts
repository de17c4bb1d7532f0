import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirBusyError extends Error {
  constructor(readonly pid: number) {
    super(`another process (pid ${pid}) is using this data folder`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When a process started, in ms since the epoch: Linux only (from /proc, in USER_HZ ticks of 10 ms since boot). */
function startedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(boot) ? boot * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process named in a pid file still holds it. A killed holder leaves its file behind, and the kernel
 * may give its pid to another process: one that started after the file was written is not the holder.
 */
function holds(pid: number, path: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return false;
  const started = startedAt(pid);
  const written = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  if (started === undefined || written === undefined) return true;
  return started <= written + 1000; // a second for the clocks' grain
}

/** PGlite allows one process per data folder: a pid file says who holds it. Returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'sei.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (holds(pid, path)) throw new DataDirBusyError(pid);
      rmSync(path, { force: true }); // stale: its process is gone (its pid may be another's now)
    }
  }
  throw new Error(`cannot lock ${path}`);
}
