/** What one attempt came to; a 4xx/5xx is still a `response`. */
export type AttemptOutcome =
  | {
      kind: 'response';
      status: number;
      statusText: string;
      headers: Record<string, string>;
      text: string;
      url: URL;
    }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'network'; error: unknown };

export interface AttemptInput {
  fetch: typeof globalThis.fetch;
  url: URL;
  method: string;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  maxRedirects: number;
  /** Dropped when a redirect leaves the origin (fetch itself only drops `authorization`). */
  sensitiveHeaders: readonly string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request and its whole body, bounded by a real timer (waits between attempts are the caller's). */
export async function performAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  if (input.signal.aborted) return { kind: 'cancelled' };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${input.timeoutMs} ms`));
  }, input.timeoutMs);
  const onAbort = (): void => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { response, url } = await follow(input, controller.signal);
    const text = await response.text();
    const headers = Object.fromEntries(response.headers);
    return { kind: 'response', status: response.status, statusText: response.statusText, headers, text, url };
  } catch (error) {
    if (input.signal.aborted) return { kind: 'cancelled' };
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'network', error };
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onAbort);
  }
}

async function follow(input: AttemptInput, signal: AbortSignal): Promise<{ response: Response; url: URL }> {
  let { url, method, body } = input;
  let headers: Record<string, string> = { ...input.headers };
  for (let hop = 0; ; hop++) {
    const response = await input.fetch(url, { method, headers, body, signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null || hop >= input.maxRedirects) return { response, url };
    await response.body?.cancel();
    const next = new URL(location, url);
    if (next.origin !== url.origin) headers = omit(headers, input.sensitiveHeaders);
    if (response.status === 303 || (response.status <= 302 && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = omit(headers, ['content-type', 'content-length']);
    }
    url = next;
  }
}

function omit(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())));
}
