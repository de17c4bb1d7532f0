// Time formats of the GitLab API: API timestamps are UTC with milliseconds and a `Z`
// (`2024-06-05T14:00:00.000Z`); git dates carry the author's offset (`2024-06-05T16:00:00.000+02:00`);
// PAT expiry is a plain date; 429s carry an HTTP date.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : iso(ms);
}

/** A git date in the committer's zone, e.g. `2024-06-05T16:00:00.000+02:00`. */
export function gitDate(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

export function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Parses a datetime query parameter as Grape's DateTime coercion does (ISO 8601, UTC when no zone); NaN if invalid. */
export function parseDateTime(raw: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw.trim());
  if (!m) return NaN;
  const zone = m[3] === undefined ? 'Z' : m[3] === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  return Date.parse(`${m[1]}T${m[2] ?? '00:00'}${zone}`);
}

/** Seconds as GitLab prints float durations (microsecond precision). */
export function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}
