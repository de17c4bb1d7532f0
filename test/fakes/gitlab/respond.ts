// Turns a reply or an error into bytes on the wire, cutting bodies short when a truncation is due.

import type { ServerResponse } from 'node:http';
import type { Reply } from './context.js';
import type { GitLabHttpError } from './errors.js';
import type { TruncateMode } from './faults.js';

export interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function encodeReply(reply: Reply): Encoded {
  const text = typeof reply.body === 'string';
  return {
    status: reply.status ?? 200,
    headers: { 'content-type': text ? 'text/plain' : 'application/json', ...reply.headers },
    body: Buffer.from(text ? (reply.body as string) : JSON.stringify(reply.body)),
  };
}

export function encodeError(err: GitLabHttpError): Encoded {
  return encodeReply({ status: err.status, body: err.body, headers: err.headers });
}

/** 'json': a short but complete response; 'socket': the connection drops mid-body. */
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
