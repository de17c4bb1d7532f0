/** What replaces a secret in text, header values and query parameters. */
export const REDACTED = '[REDACTED]';

/** Headers whose values are credentials, whatever they contain. */
export const SENSITIVE_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'private-token',
  'job-token',
  'cookie',
  'set-cookie',
];

/** Query parameters whose values are credentials. */
export const SENSITIVE_QUERY_PARAMS: readonly string[] = [
  'access_token',
  'private_token',
  'token',
  'api_key',
  'apikey',
  'key',
  'password',
  'secret',
  'client_secret',
];

export interface RedactorOptions {
  /** Literal secrets (tokens, API keys, passwords) to hide wherever they appear. */
  secrets?: readonly string[];
  sensitiveHeaders?: readonly string[];
  sensitiveQueryParams?: readonly string[];
}

/** Produces redacted copies; never mutates its input. */
export interface Redactor {
  text(value: string): string;
  url(value: string | URL): string;
  headers(headers: Readonly<Record<string, string>>): Record<string, string>;
}

/** The forms a secret takes on the wire: as is, URL-encoded, form-encoded, JSON-escaped. */
function variants(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const uri = encodeURIComponent(secret);
  return [secret, uri, uri.replace(/%20/g, '+'), json];
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const needles = [...new Set((options.secrets ?? []).filter((s) => s.length > 0).flatMap(variants))].sort(
    (a, b) => b.length - a.length, // longest first, so a secret containing another is hidden whole
  );
  const headerNames = new Set((options.sensitiveHeaders ?? SENSITIVE_HEADERS).map((h) => h.toLowerCase()));
  const params = new Set((options.sensitiveQueryParams ?? SENSITIVE_QUERY_PARAMS).map((p) => p.toLowerCase()));

  const text = (value: string): string => needles.reduce((acc, needle) => acc.split(needle).join(REDACTED), value);

  const url = (value: string | URL): string => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return text(String(value));
    }
    if (parsed.password !== '') parsed.password = 'REDACTED';
    for (const name of [...new Set(parsed.searchParams.keys())]) {
      if (params.has(name.toLowerCase())) parsed.searchParams.set(name, 'REDACTED');
    }
    return text(parsed.toString());
  };

  const headers = (input: Readonly<Record<string, string>>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(input)) {
      out[name] = headerNames.has(name.toLowerCase()) ? REDACTED : text(value);
    }
    return out;
  };

  return { text, url, headers };
}

/**
 * The secrets inside credential header values, so that a token passed only as a header is also
 * hidden when an upstream echoes it back: the whole value, the credential after its scheme, and
 * for Basic auth the decoded `user:password` and the password.
 */
export function secretsFromHeaders(
  headers: Readonly<Record<string, string>>,
  sensitiveHeaders: readonly string[] = SENSITIVE_HEADERS,
): string[] {
  const names = new Set(sensitiveHeaders.map((h) => h.toLowerCase()));
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!names.has(name.toLowerCase()) || value.trim() === '') continue;
    found.push(value);
    const match = /^(\w+)\s+(.+)$/.exec(value.trim());
    if (match === null) continue;
    const [, scheme, credential] = match;
    if (credential === undefined) continue;
    found.push(credential);
    if (scheme?.toLowerCase() === 'basic') found.push(...basicParts(credential));
  }
  return found;
}

function basicParts(credential: string): string[] {
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? [] : [decoded, decoded.slice(colon + 1)];
}

/** Credentials written into the URL itself (`user:password@`, `?private_token=`). */
export function secretsFromUrl(url: URL, sensitiveQueryParams: readonly string[] = SENSITIVE_QUERY_PARAMS): string[] {
  const params = new Set(sensitiveQueryParams.map((p) => p.toLowerCase()));
  const found = [decodeURIComponent(url.password)];
  for (const [name, value] of url.searchParams) if (params.has(name.toLowerCase())) found.push(value);
  return found.filter((s) => s.length > 0);
}
