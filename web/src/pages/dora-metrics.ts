import { duration, num, percent } from '../format';

/** The four DORA keys: the API name, the title, and how the value reads. */
export const DORA = [
  {
    name: 'deployment-frequency',
    title: 'Deployment frequency',
    format: (v: number) => num(v, 1),
    ms: false,
    up: true,
  },
  { name: 'lead-time-for-changes', title: 'Lead time for changes', format: duration, ms: true, up: false },
  {
    name: 'change-failure-rate',
    title: 'Change failure rate',
    format: (v: number) => percent(v),
    ms: false,
    up: false,
  },
  { name: 'time-to-restore', title: 'Time to restore', format: duration, ms: true, up: false },
] as const;

export type DoraMetric = (typeof DORA)[number];

export const doraMetric = (name: string): DoraMetric | undefined => DORA.find((m) => m.name === name);

/** What the count is of, per metric. */
export const COUNT_OF: Readonly<Record<string, string>> = {
  'deployment-frequency': 'deployments',
  'lead-time-for-changes': 'changes',
  'change-failure-rate': 'deployments',
  'time-to-restore': 'restored failures',
};

/** The metric API query of a page: window, interval and the filters it supports. */
export function metricQuery(query: URLSearchParams, w: { from: string; to: string; interval: string }, keys: string[]) {
  const q: Record<string, string> = { from: w.from, to: w.to, interval: w.interval };
  for (const k of keys) {
    const v = query.get(k);
    if (v !== null && v !== '') q[k] = v;
  }
  return q;
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The window of the same length just before this one (days, both included). */
export function previousWindow(w: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(`${w.from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${w.to}T00:00:00Z`) - from) / DAY) + 1;
  return { from: day(from - days * DAY), to: day(from - DAY) };
}

/** How a value moved against the previous window: relative change, or points for a rate. */
export function change(
  m: DoraMetric,
  now: number | null,
  before: number | null,
): { text: string; better: boolean } | null {
  if (now === null || before === null || now === before)
    return now === before && now !== null ? { text: 'no change', better: true } : null;
  const up = now > before;
  const arrow = up ? '▲' : '▼';
  const amount =
    m.name === 'change-failure-rate'
      ? `${Math.abs((now - before) * 100).toFixed(1)} pts`
      : before === 0
        ? 'from 0'
        : `${Math.round((Math.abs(now - before) / Math.abs(before)) * 100)}%`;
  return { text: `${arrow} ${amount}`, better: up === m.up };
}

/** The DORA filters typed as text (with suggestions). */
export const DORA_FILTERS = ['source', 'pipeline', 'service', 'environment'];
/** Everything a DORA query takes from the URL: the text filters and the team (a select). */
export const DORA_QUERY = [...DORA_FILTERS, 'team'];
