import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  kernel: string;
  os: string;
}

function firstMatch(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1]?.trim();
}

/** What the bench ran on: CPU model from /proc/cpuinfo, usable cores, RAM, Node and OS. */
export function machine(): Machine {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const osRelease = safeRead('/etc/os-release');
  let kernel = '?';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // not a Unix: leave '?'
  }
  const family = firstMatch(cpuinfo, /^cpu family\s*:\s*(.+)$/m);
  const model = firstMatch(cpuinfo, /^model\s*:\s*(.+)$/m);
  const mhz = firstMatch(cpuinfo, /^cpu MHz\s*:\s*(.+)$/m);
  const details = [
    family !== undefined && model !== undefined ? `family ${family} model ${model}` : undefined,
    mhz !== undefined ? `${Math.round(Number(mhz))} MHz` : undefined,
    /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) ? 'virtual machine' : undefined,
  ].filter((d) => d !== undefined);
  const name = firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) ?? '?';
  return {
    cpu: details.length > 0 ? `${name} (${details.join(', ')})` : name,
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel,
    os: firstMatch(osRelease, /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? '?',
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Jiffies busy and total over all CPUs, from /proc/stat (zeros when unavailable). */
export function cpuTicks(): { busy: number; total: number } {
  const line = safeRead('/proc/stat').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 5) return { busy: 0, total: 0 };
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Clock ticks per second for /proc/<pid>/stat times (100 on Linux everywhere that matters). */
const CLK_TCK = 100;

/**
 * CPU seconds used by a process and its live children (PostgreSQL's postmaster and its backends),
 * including children that already exited and were reaped. Zero when /proc is unavailable.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const e of entries) {
    const stat = safeRead(`/proc/${e}/stat`);
    // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based overall.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(e);
    const ppid = Number(rest[1]);
    if (pid !== rootPid && ppid !== rootPid) continue;
    ticks += Number(rest[11]) + Number(rest[12]);
    if (pid === rootPid) ticks += Number(rest[13]) + Number(rest[14]);
  }
  return ticks / CLK_TCK;
}
