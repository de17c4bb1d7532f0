import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  return {
    cpu: firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) ?? '?',
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
