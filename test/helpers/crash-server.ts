// `sei serve` as a real child process over a store that outlives it, for the crash tests: the parent kills it
// with SIGKILL and starts another on the same data folder or database.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout as pause } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { PGLITE_FOLDER } from '../../src/store/open.js';
import { PgliteDb } from '../../src/store/pglite-db.js';
import { freePort, type ProcessEnd, TsxProcess } from './process.js';
import { freshPgDatabase } from './shareable-db.js';
import type { StoreKind } from './db.js';

/** A migrated store the server processes open in turn, and the test opens between (PGlite) or beside them. */
export interface CrashStore {
  kind: StoreKind;
  /** The settings that point `sei serve` at it. */
  env: Record<string, string>;
  /** Opens it in this process (PGlite: only while no server runs). */
  open(): Promise<Db>;
  remove(): Promise<void>;
}

/** A fresh store of the kind: a PostgreSQL database copied from the template, or a data folder unpacked from it. */
export async function freshCrashStore(kind: StoreKind): Promise<CrashStore> {
  if (kind === 'postgres') {
    const pg = await freshPgDatabase();
    return { kind, env: { DATABASE_URL: pg.url }, open: async () => pg.open(4), remove: () => pg.drop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'sei-crash-'));
  const dir = join(dataDir, PGLITE_FOLDER); // where `sei serve` keeps PGlite in its data folder
  const template = new Uint8Array(readFileSync(inject('pgliteTemplate')));
  await (await PgliteDb.open({ dataDir: dir, loadDataDir: template })).close();
  return {
    kind,
    env: { SEI_DATA_DIR: dataDir },
    open: () => PgliteDb.open({ dataDir: dir }),
    remove: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

const SECRET_KEY = '7'.repeat(64);

/** One `sei serve` process on a loopback port. */
export class ServeProcess extends TsxProcess {
  constructor(
    readonly url: string,
    env: Record<string, string>,
  ) {
    super('src/cli/main.ts', ['serve'], { ...env, SEI_SECRET_KEY: SECRET_KEY, SEI_LOG_LEVEL: 'warn' });
  }

  /** Resolves once the server listens (and on its first start, has made the first admin key). */
  async up(): Promise<void> {
    await this.waitFor(/^OpenSEI is up on /m);
  }

  /** The admin key a first start prints. */
  async firstKey(): Promise<string> {
    return (await this.waitFor(/^ {4}(sei_\S+)$/m))[1]!;
  }

  /** SIGKILL: no handler runs, nothing is flushed or closed. */
  kill(): Promise<ProcessEnd> {
    return this.stop('SIGKILL');
  }
}

/** Starts `sei serve` over a store on a free loopback port (the same port every time, when given). */
export async function startServe(store: CrashStore, port?: number): Promise<ServeProcess> {
  const p = port ?? (await freePort());
  return new ServeProcess(`http://127.0.0.1:${p}`, { ...store.env, PORT: String(p), HOST: '127.0.0.1' });
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** One API call; throws on a connection error (the server is dead) or when it gives up after `timeoutMs`. */
export async function call(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
  timeoutMs = 120_000,
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `ApiKey ${key}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(url + path, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: the caller looks at `text`
  }
  return { status: res.status, body: parsed, text };
}

/**
 * What the kernel may do once a server holding a PGlite data folder was killed: give its pid to another process.
 * Its pid file stays as it was (same time), naming a live process that started after it was written. Answers a
 * function that ends that process.
 */
export async function givePidAway(dataDir: string): Promise<() => void> {
  const path = join(dataDir, 'sei.pid');
  const { atime, mtime } = statSync(path);
  // The stand-in must start clearly after the file was written (the lock compares start times).
  await pause(Math.max(0, mtime.getTime() + 1500 - Date.now()));
  const standIn = spawn('sleep', ['600'], { stdio: 'ignore' });
  writeFileSync(path, String(standIn.pid));
  utimesSync(path, atime, mtime);
  return () => void standIn.kill('SIGKILL');
}
