import { useMemo, useState, type ReactNode } from 'react';

export interface Column<R> {
  key: string;
  label: string;
  /** The value sorted on; defaults to row[key]. */
  value?: (row: R) => unknown;
  render?: (row: R) => ReactNode;
  numeric?: boolean;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A table whose headers sort it (click again to reverse); blanks always sort last. */
export function SortableTable<R>({
  columns,
  rows,
  rowKey,
  testId,
  empty = 'Nothing in this window.',
}: {
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R, i: number) => string;
  testId?: string;
  empty?: string;
}) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const sorted = useMemo(() => {
    if (sort === null) return rows;
    const col = columns.find((c) => c.key === sort.key);
    const get = col?.value ?? ((r: R) => (r as Record<string, unknown>)[sort.key]);
    return [...rows].sort((a, b) => {
      const va = get(a);
      const vb = get(b);
      if (va === null || va === undefined || vb === null || vb === undefined) return compare(va, vb);
      return compare(va, vb) * sort.dir;
    });
  }, [rows, columns, sort]);
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const aria = active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none';
              return (
                <th key={c.key} aria-sort={aria} className={c.numeric === true ? 'num' : undefined}>
                  <button
                    type="button"
                    className="sort"
                    onClick={() => setSort({ key: c.key, dir: active && sort.dir === 1 ? -1 : 1 })}
                  >
                    {c.label}
                    <span className="arrow">{active ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r, i) => (
            <tr key={rowKey(r, i)}>
              {columns.map((c) => (
                <td key={c.key} className={c.numeric === true ? 'num' : undefined}>
                  {c.render?.(r) ?? String((r as Record<string, unknown>)[c.key] ?? '—')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
