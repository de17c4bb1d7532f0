/** Lower-cased response headers, as the client hands them around. */
export type HeaderRecord = Readonly<Record<string, string>>;

/** `Retry-After` as a wait in ms from `now`: delta seconds or an HTTP-date. */
export function retryAfterMs(headers: HeaderRecord, now: number): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** When the rate-limit window resets, as a wait in ms from `now` (`RateLimit-Reset`, `X-RateLimit-Reset`). */
export function rateLimitResetMs(headers: HeaderRecord, now: number): number | undefined {
  const raw = (headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'])?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    // GitLab and GitHub send epoch seconds, the IETF draft sends delta seconds; some send epoch ms.
    if (n > 1e12) return Math.max(0, n - now);
    if (n > 1e9) return Math.max(0, n * 1000 - now);
    return Math.round(n * 1000);
  }
  const at = Date.parse(raw); // Jira sends an ISO timestamp
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Requests left in the current window (`RateLimit-Remaining`, `X-RateLimit-Remaining`). */
export function rateLimitRemaining(headers: HeaderRecord): number | undefined {
  const raw = (headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining'])?.trim();
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
