import { useState, type FormEvent } from 'react';
import { isoDay } from '../format';
import { setQuery, type Location } from '../router';
import { TeamSelect, type TeamChoices } from './team-select';

const DAY = 86_400_000;
export const PRESETS = [7, 30, 90, 180] as const;

export interface Window {
  from: string;
  to: string;
  interval: string;
}

/** The window in the page's query (days in UTC, `to` included), by default the last 30 days. */
export function windowOf(loc: Location, now = Date.now()): Window {
  const to = loc.query.get('to') ?? isoDay(new Date(now));
  const from = loc.query.get('from') ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY));
  return { from, to, interval: loc.query.get('interval') ?? 'week' };
}

export interface FilterField {
  key: string;
  label: string;
  placeholder?: string;
  options?: string[];
}

/**
 * Time range (presets or two days), interval, the team (when the page's API takes one) and the filters a page's
 * API supports; all kept in the URL.
 */
export function Filters({ loc, fields, teams }: { loc: Location; fields: FilterField[]; teams?: TeamChoices }) {
  const w = windowOf(loc);
  const days = Math.round((Date.parse(w.to) - Date.parse(w.from)) / DAY) + 1;
  const preset = PRESETS.find((p) => p === days && w.to === isoDay(new Date())) ?? 'custom';
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.key, loc.query.get(f.key) ?? ''])),
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setQuery(draft);
  };
  const pickPreset = (value: string) => {
    if (value === 'custom') return;
    const to = isoDay(new Date());
    setQuery({ to, from: isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - (Number(value) - 1) * DAY)) });
  };
  return (
    <form className="filters" onSubmit={apply} aria-label="Filters">
      <label>
        Time range
        <select value={String(preset)} onChange={(e) => pickPreset(e.target.value)} data-testid="range-preset">
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              Last {p} days
            </option>
          ))}
          <option value="custom">Custom</option>
        </select>
      </label>
      <label>
        From
        <input type="date" value={w.from} max={w.to} onChange={(e) => setQuery({ from: e.target.value })} />
      </label>
      <label>
        To
        <input type="date" value={w.to} min={w.from} onChange={(e) => setQuery({ to: e.target.value })} />
      </label>
      <label>
        Interval
        <select value={w.interval} onChange={(e) => setQuery({ interval: e.target.value })}>
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
      </label>
      {teams !== undefined && <TeamSelect loc={loc} teams={teams} />}
      {fields.map((f) => (
        <label key={f.key}>
          {f.label}
          <input
            name={f.key}
            value={draft[f.key] ?? ''}
            placeholder={f.placeholder ?? 'all'}
            list={f.options === undefined ? undefined : `opts-${f.key}`}
            onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
          />
          {f.options !== undefined && (
            <datalist id={`opts-${f.key}`}>
              {f.options.map((o) => (
                <option key={o} value={o} />
              ))}
            </datalist>
          )}
        </label>
      ))}
      {fields.length > 0 && (
        <button type="submit" className="secondary">
          Apply filters
        </button>
      )}
    </form>
  );
}
