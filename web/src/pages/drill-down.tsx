import type { Api } from '../api';
import { queryString } from '../api';
import { ErrorBox } from '../components/error-box';
import { Filters, windowOf } from '../components/filters';
import { FreshnessLine } from '../components/freshness-line';
import { SortableTable } from '../components/sortable-table';
import { useTeams } from '../components/team-select';
import { useFilterValues } from '../components/use-filter-values';
import { useLoad } from '../components/use-load';
import { cell } from '../format';
import { navigate, setQuery, type Location } from '../router';
import { DORA_FILTERS, DORA_QUERY, doraMetric, metricQuery } from './dora-metrics';

const PAGE = 50;

/** The records behind one DORA figure: the figure again, a sortable page of records, paging and a CSV file. */
export function DrillDownPage({ api, loc, metric }: { api: Api; loc: Location; metric: string }) {
  const m = doraMetric(metric);
  const w = windowOf(loc);
  const q = metricQuery(loc.query, w, DORA_QUERY);
  const offset = Math.max(0, Number(loc.query.get('offset') ?? '0') || 0);
  const loaded = useLoad(
    async () => {
      const [answer, page, freshness] = await Promise.all([
        api.metric(metric, q),
        api.records(metric, { ...q, limit: PAGE, offset }),
        api.freshness(),
      ]);
      return { answer, page, freshness, at: Date.now() };
    },
    `${metric}:${JSON.stringify(q)}:${offset}`,
  );
  const values = useFilterValues(api);
  const teams = useTeams(api);
  if (m === undefined) return <p>No metric “{metric}”.</p>;
  const csv = `/v1/metrics/${metric}/records${queryString({ ...q, format: 'csv', limit: 10000 })}`;
  const back = new URLSearchParams(loc.query);
  back.delete('offset');
  const page = loaded.data?.page;
  const a = loaded.data?.answer;
  return (
    <div className="page">
      <p>
        <a
          href="/insights/dora"
          onClick={(e) => {
            e.preventDefault();
            navigate(`/insights/dora${back.size === 0 ? '' : `?${back.toString()}`}`);
          }}
        >
          ← DORA metrics
        </a>
      </p>
      <h1 data-testid="drill-title">{m.title}: the records</h1>
      <Filters
        key={loc.query.toString()}
        loc={loc}
        teams={teams}
        fields={DORA_FILTERS.map((k) => ({
          key: k,
          label: k.replace(/^./, (c) => c.toUpperCase()),
          options: values?.[`${k}s` as 'sources' | 'pipelines' | 'services' | 'environments'],
        }))}
      />
      <ErrorBox error={loaded.error} />
      {a !== undefined && (
        <p className="drill-figure" data-testid="drill-value" data-value={a.value === null ? '' : String(a.value)}>
          <strong>{a.value === null ? '—' : m.format(a.value)}</strong> {a.unit}, based on {a.count} · band{' '}
          {a.band?.name ?? '—'}
        </p>
      )}
      {page !== undefined && (
        <>
          <div className="row">
            <span className="muted" data-testid="drill-range">
              Records {page.rows.length === 0 ? 0 : offset + 1}–{offset + page.rows.length}
              {page.next_offset === null ? ` of ${offset + page.rows.length}` : ''}
            </span>
            <span className="actions">
              <button
                type="button"
                className="secondary"
                disabled={offset === 0}
                onClick={() => setQuery({ offset: String(Math.max(0, offset - PAGE)) })}
              >
                Previous
              </button>
              <button
                type="button"
                className="secondary"
                disabled={page.next_offset === null}
                onClick={() => setQuery({ offset: String(page.next_offset ?? offset) })}
              >
                Next
              </button>
              <a className="button secondary" href={csv} download data-testid="csv">
                Download CSV
              </a>
            </span>
          </div>
          <SortableTable
            key={`${offset}:${JSON.stringify(q)}`}
            testId="records"
            rows={page.rows}
            rowKey={(r, i) => `${String(r['run_id'] ?? '')}:${String(r['sha'] ?? '')}:${i}`}
            columns={page.columns.map((c) => ({
              key: c,
              label: c.replace(/_/g, ' '),
              numeric: c.endsWith('_ms'),
              render: (r: Record<string, unknown>) => cell(c, r[c]),
            }))}
          />
        </>
      )}
      <FreshnessLine freshness={loaded.data?.freshness} computedAt={loaded.data?.at ?? Date.now()} />
    </div>
  );
}
