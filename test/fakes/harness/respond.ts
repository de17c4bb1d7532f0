// Turns a handler's reply or error into bytes on the wire, stamping the request's correlationId
// into Harness envelopes, and cutting bodies short when a truncation fault is due.

import type { ServerResponse } from 'node:http';
import type { Reply } from './context.js';
import type { HarnessHttpError } from './errors.js';
import type { TruncateMode } from './faults.js';

export interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function withCorrelation(body: unknown, correlationId: string): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'correlationId' in body) {
    return { ...body, correlationId };
  }
  return body;
}

export function encodeReply(reply: Reply, correlationId: string): Encoded {
  return {
    status: reply.status ?? 200,
    headers: { 'content-type': 'application/json', ...reply.headers },
    body: Buffer.from(JSON.stringify(withCorrelation(reply.body, correlationId))),
  };
}

export function encodeError(err: HarnessHttpError, correlationId: string): Encoded {
  const isText = typeof err.body === 'string';
  return {
    status: err.status,
    headers: { 'content-type': isText ? 'text/plain' : 'application/json', ...err.headers },
    body: Buffer.from(isText ? String(err.body) : JSON.stringify(withCorrelation(err.body, correlationId))),
  };
}

/** Sends the response; `truncate` cuts a body in half ('json': a short but complete response, 'socket': the connection drops mid-body). */
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
