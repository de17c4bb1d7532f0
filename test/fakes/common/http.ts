// The HTTP plumbing both fakes share: reading a request body, listening, closing, and the query string
// as repeatable parameters.

import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Repeatable query parameters in order (`?org=a&org=b`). */
export type Query = ReadonlyMap<string, readonly string[]>;

export function parseQuery(url: URL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) out.set(name, [...(out.get(name) ?? []), value]);
  return out;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on `host:port` (port 0: any free port) and returns the base URL, without a trailing slash. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
}

/** Stops listening and drops open connections (keep-alive ones included). */
export function close(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
