// Turns a handler's reply or a thrown HttpError into bytes on the wire, cutting bodies short when a
// truncation is due.

import type { ServerResponse } from 'node:http';
import type { HttpError } from './errors.js';
import type { TruncateMode } from './faults.js';

/** What a route handler returns. */
export interface Reply {
  status?: number;
  /** JSON, or a string sent as is (text/plain unless `headers` name another content-type). */
  body: unknown;
  headers?: Record<string, string>;
}

export interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function errorReply(err: HttpError): Reply {
  return { status: err.status, body: err.body, headers: err.headers };
}

export function encodeReply(reply: Reply): Encoded {
  const text = typeof reply.body === 'string';
  return {
    status: reply.status ?? 200,
    headers: { 'content-type': text ? 'text/plain' : 'application/json', ...reply.headers },
    body: Buffer.from(text ? (reply.body as string) : JSON.stringify(reply.body)),
  };
}

/** Sends the response; `truncate` cuts the body in half (see TruncateMode). */
export function send(res: ServerResponse, encoded: Encoded, truncate?: TruncateMode): void {
  const { status, headers, body } = encoded;
  if (!truncate) {
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  const half = body.subarray(0, Math.floor(body.length / 2));
  if (truncate === 'json') {
    res.writeHead(status, { ...headers, 'content-length': String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.write(half, () => res.destroy());
}
