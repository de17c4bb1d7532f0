import { InputError } from '../core/errors.js';

const DAY_MS = 86_400_000;

/** Whether Node (ICU) knows the IANA time zone. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz }).format(0);
    return tz;
  } catch {
    throw new InputError('invalid_time_zone', `time_zone "${tz}" is not an IANA time zone (e.g. Europe/Paris).`, {
      field: 'time_zone',
    });
  }
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetMs(at: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return (
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at / 1000) * 1000
  );
}

/** Local midnight of a YYYY-MM-DD day in the zone, as an instant. */
export function zonedMidnight(day: string, tz: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  let at = guess - offsetMs(guess, tz);
  at = guess - offsetMs(at, tz); // once more across an offset change
  return new Date(at);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The window of a metric: `from` and `to` as dates (local days in the zone; `to` included) or instants
 * (`to` excluded); by default the last 30 days up to now.
 */
export function parseWindow(
  q: { from?: string | undefined; to?: string | undefined },
  tz: string,
  now: number,
): { from: Date; to: Date } {
  const parse = (v: string, field: 'from' | 'to'): Date => {
    if (DATE.test(v)) {
      // A real day (not 2024-02-30) whose next day still has a four-digit year (`to` is its end).
      const day = Date.parse(`${v}T00:00:00Z`);
      if (
        Number.isNaN(day) ||
        new Date(day).toISOString().slice(0, 10) !== v ||
        v >= '9999-12-31' ||
        v < '1970-01-01'
      ) {
        throw badTime(field);
      }
      const start = zonedMidnight(v, tz);
      if (Number.isNaN(start.getTime())) throw badTime(field);
      return field === 'to' ? zonedMidnight(new Date(day + DAY_MS).toISOString().slice(0, 10), tz) : start;
    }
    const t = Date.parse(v);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(v) || !inStorableRange(t)) throw badTime(field);
    return new Date(t);
  };
  const to = q.to === undefined ? new Date(now) : parse(q.to, 'to');
  const from = q.from === undefined ? new Date(to.getTime() - 30 * DAY_MS) : parse(q.from, 'from');
  if (from >= to) throw new InputError('invalid_window', 'from must be before to.', { field: 'from' });
  if (to.getTime() - from.getTime() > 3 * 366 * DAY_MS) {
    throw new InputError('invalid_window', 'The window may span at most 3 years.', { field: 'from' });
  }
  return { from, to };
}

/** Times the store keeps (PostgreSQL refuses year 0 and years past 9999): 1970 up to the end of 9999. */
export function inStorableRange(ms: number): boolean {
  return ms >= 0 && ms < Date.UTC(9999, 11, 31);
}

function badTime(field: string): InputError {
  return new InputError(
    'invalid_time',
    `${field} must be a date (YYYY-MM-DD) or an ISO 8601 time with a zone, from 1970 to 9999.`,
    {
      field,
    },
  );
}
