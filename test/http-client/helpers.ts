import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, Sleep } from '../../src/http/time.js';

/** One scripted answer. */
export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: string | object;
  /** Wait this long (real ms) before answering; cut short when the client goes away. */
  delayMs?: number;
  /** Destroy the socket without answering (the client sees a reset / hang-up). */
  drop?: boolean;
  /** Announce a longer Content-Length, send part of the body, then cut the connection. */
  cutBody?: boolean;
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Recorded) => Scripted | undefined;

/** A real HTTP server on 127.0.0.1:0 answering from a queue, then from `fallback`. */
export interface ScriptServer {
  url: string;
  requests: Recorded[];
  script(...answers: Scripted[]): void;
  fallback(handler: Handler): void;
  close(): Promise<void>;
}

export async function startScriptServer(): Promise<ScriptServer> {
  const queue: Scripted[] = [];
  const requests: Recorded[] = [];
  let handler: Handler = () => ({ status: 500, body: { message: 'nothing scripted' } });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(rec);
      answer(req, res, queue.shift() ?? handler(rec) ?? { status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...answers) => queue.push(...answers),
    fallback: (h) => {
      handler = h;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(req: IncomingMessage, res: ServerResponse, a: Scripted): void {
  const send = (): void => {
    if (a.drop) {
      req.socket.destroy();
      return;
    }
    const body = typeof a.body === 'object' ? JSON.stringify(a.body) : (a.body ?? '');
    const type = typeof a.body === 'object' ? { 'content-type': 'application/json' } : {};
    if (a.cutBody) {
      res.writeHead(a.status ?? 200, { ...type, ...a.headers, 'content-length': String(body.length + 100) });
      res.write(body, () => req.socket.destroy());
      return;
    }
    res.writeHead(a.status ?? 200, { ...type, ...a.headers });
    res.end(body);
  };
  if (a.delayMs === undefined) return send();
  const timer = setTimeout(send, a.delayMs);
  res.on('close', () => clearTimeout(timer));
}

/**
 * Virtual time: `sleep` records the wait and registers a timer; the earliest timer fires on the
 * next turn of the event loop, moving the clock to its time. Nothing waits for real.
 */
export interface FakeTime {
  clock: Clock;
  sleep: Sleep;
  /** Every wait asked for, in order. */
  sleeps: number[];
}

export function fakeTime(start = Date.UTC(2025, 0, 1)): FakeTime {
  let now = start;
  let seq = 0;
  let pumping = false;
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  const sleeps: number[] = [];
  const pump = (): void => {
    pumping = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.fire();
    schedule();
  };
  const schedule = (): void => {
    if (pumping || timers.length === 0) return;
    pumping = true;
    setImmediate(pump);
  };
  const sleep: Sleep = (ms, signal) => {
    sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const timer = { at: now + ms, seq: seq++, fire: () => done(resolve) };
      const onAbort = (): void => {
        timers.splice(timers.indexOf(timer), 1);
        done(() => reject(signal?.reason));
      };
      const done = (settle: () => void): void => {
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(timer);
      schedule();
    });
  };
  return { clock: { now: () => now }, sleep, sleeps };
}

/** A sleep that only ends when its signal aborts: for "does cancelling stop the wait". */
export function endlessSleep(sleeps: number[]): Sleep {
  return (ms, signal) => {
    sleeps.push(ms);
    return new Promise((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
}

/** A random source that replays `values` in a loop. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}
