import { type ServerOptions, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../core/config.js';

const MAX_HEADER_SIZE = 16 * 1024;

/** Node's errors on a connection before a request reaches Fastify, as house-shaped answers. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message: 'The request took too long to arrive (SEI_HEADERS_TIMEOUT_MS / SEI_REQUEST_TIMEOUT_MS).',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: `The request line and headers are larger than the server accepts (${MAX_HEADER_SIZE} bytes).`,
  },
};

const MALFORMED = { status: 400, code: 'malformed_request', message: 'The request is not valid HTTP/1.1.' };

/** Answers a connection-level client error in the house shape, then closes the connection. */
function clientErrorHandler(this: { log: { trace: (o: object, m: string) => void } }, err: Error, socket: Socket) {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNRESET' || socket.destroyed) return;
  const e = CLIENT_ERRORS[code] ?? MALFORMED;
  this.log.trace({ err }, `client error ${e.code}`);
  // An answer already under way cannot be followed by another one: the connection is just closed.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && started !== true) {
    const body = JSON.stringify({ error: { code: e.code, message: e.message } });
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(err);
}

/**
 * Time limits of the HTTP server. A client has `headersTimeout` to send its headers and `requestTimeout` for
 * the whole request (a slow or stalled body), then gets a 408 and its connection is closed. Node checks them
 * on a timer; it runs often enough that a short limit is kept to within about a quarter of it.
 */
export function serverLimits(config: Config): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
  clientErrorHandler: NonNullable<FastifyServerOptions['clientErrorHandler']>;
} {
  const requestTimeout = config.requestTimeoutMs;
  const headersTimeout = Math.min(config.headersTimeoutMs, requestTimeout);
  return {
    requestTimeout,
    keepAliveTimeout: 72_000,
    http: {
      headersTimeout,
      requestTimeout,
      maxHeaderSize: MAX_HEADER_SIZE,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(headersTimeout / 4))),
    },
    clientErrorHandler: clientErrorHandler as NonNullable<FastifyServerOptions['clientErrorHandler']>,
  };
}
