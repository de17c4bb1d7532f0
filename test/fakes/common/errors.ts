// The error both fakes throw: handlers throw an HttpError with the upstream's own body, and the server
// turns it into a response in one place (../common/respond.ts). The bodies are each fake's errors.ts.

export type Json = Record<string, unknown>;

/** An HTTP answer other than 2xx: JSON, or a string sent as is (its content-type in `headers`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json | string,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? `HTTP ${status}` : String(body.message ?? body.error ?? `HTTP ${status}`));
  }
}

/** The HTML error page of the nginx-style edge (load balancer) in front of an API. */
export function edgeErrorPage(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`;
}
