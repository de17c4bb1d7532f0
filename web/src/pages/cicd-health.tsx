import { useMemo } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import { Filters, windowOf } from '../components/filters';
import { FreshnessLine } from '../components/freshness-line';
import { SortableTable } from '../components/sortable-table';
import { TrendChart } from '../components/trend-chart';
import { useTeams } from '../components/team-select';
import { useFilterValues } from '../components/use-filter-values';
import { useLoad } from '../components/use-load';
import { duration, percent } from '../format';
import type { Location } from '../router';
import type { HealthStats } from '../types';
import { metricQuery } from './dora-metrics';

const statColumns = [
  { key: 'runs', label: 'Runs', numeric: true },
  { key: 'success_rate', label: 'Success', numeric: true, render: (r: HealthStats) => percent(r.success_rate) },
  {
    key: 'duration_p50_ms',
    label: 'Duration p50',
    numeric: true,
    render: (r: HealthStats) => duration(r.duration_p50_ms),
  },
  {
    key: 'duration_p90_ms',
    label: 'Duration p90',
    numeric: true,
    render: (r: HealthStats) => duration(r.duration_p90_ms),
  },
];

/** CI/CD health: runs, success rate and durations over time and by pipeline or branch; slow stages; flaky commits. */
export function CicdHealthPage({ api, loc }: { api: Api; loc: Location }) {
  const w = windowOf(loc);
  const q = metricQuery(loc.query, w, ['source', 'pipeline', 'branch', 'kind', 'group_by', 'team']);
  const loaded = useLoad(async () => {
    const [health, freshness] = await Promise.all([api.cicdHealth(q), api.freshness()]);
    return { health, freshness, at: Date.now() };
  }, JSON.stringify(q));
  const values = useFilterValues(api);
  const teams = useTeams(api);
  const h = loaded.data?.health;
  const starts = useMemo(() => (h?.series ?? []).map((s) => s.start), [h]);
  const runs = useMemo(
    () => [{ label: 'Runs', values: (h?.series ?? []).map((s) => s.runs), color: '#3867d6', bars: true }],
    [h],
  );
  const rate = useMemo(
    () => [
      {
        label: 'Success rate',
        values: (h?.series ?? []).map((s) => s.success_rate),
        color: '#20bf6b',
        format: (v: number) => percent(v, 0),
      },
    ],
    [h],
  );
  const fresh = <FreshnessLine freshness={loaded.data?.freshness} computedAt={loaded.data?.at ?? Date.now()} />;
  return (
    <div className="page">
      <h1>CI/CD health</h1>
      <Filters
        key={loc.query.toString()}
        loc={loc}
        teams={teams}
        fields={[
          { key: 'source', label: 'Source', placeholder: 'harnessng, gitlab, custom', options: values?.ci_sources },
          { key: 'pipeline', label: 'Pipeline', options: values?.ci_pipelines },
          { key: 'branch', label: 'Branch', options: values?.branches },
          { key: 'kind', label: 'Kind', placeholder: 'ci or cd', options: ['ci', 'cd'] },
          { key: 'group_by', label: 'Group by', placeholder: 'pipeline', options: ['pipeline', 'branch'] },
        ]}
      />
      <ErrorBox error={loaded.error} />
      {h !== undefined && (
        <>
          <div className="metrics-grid">
            <section className="card metric" data-testid="health-totals">
              <h2>Finished runs</h2>
              <p className="figure-static" data-testid="health-runs">
                {h.totals.runs}
              </p>
              <p className="muted">
                success {percent(h.totals.success_rate)} · p50 {duration(h.totals.duration_p50_ms)} · p90{' '}
                {duration(h.totals.duration_p90_ms)}
              </p>
              <TrendChart starts={starts} series={runs} height={150} interval={w.interval} />
              {fresh}
            </section>
            <section className="card metric">
              <h2>Success rate</h2>
              <p className="figure-static">{percent(h.totals.success_rate)}</p>
              <p className="muted">
                flaky commits: {h.flaky.commits} ({h.flaky.failed_runs} failed runs)
              </p>
              <TrendChart starts={starts} series={rate} height={150} interval={w.interval} />
              {fresh}
            </section>
          </div>
          <section className="card">
            <h2>By {h.by.group_by}</h2>
            <SortableTable
              testId="health-by"
              rows={h.by.rows}
              rowKey={(r, i) => `${r.key ?? ''}:${i}`}
              columns={[{ key: 'key', label: h.by.group_by, render: (r) => r.key ?? '(none)' }, ...statColumns]}
            />
            {fresh}
          </section>
          <section className="card">
            <h2>Slowest stages (p90)</h2>
            <SortableTable
              rows={h.slowest_stages}
              rowKey={(r) => r.stage}
              columns={[
                { key: 'stage', label: 'Stage' },
                { key: 'runs', label: 'Runs', numeric: true },
                { key: 'duration_p50_ms', label: 'p50', numeric: true, render: (r) => duration(r.duration_p50_ms) },
                { key: 'duration_p90_ms', label: 'p90', numeric: true, render: (r) => duration(r.duration_p90_ms) },
              ]}
            />
            {fresh}
          </section>
          <section className="card">
            <h2>Flaky commits</h2>
            <SortableTable
              rows={h.flaky.rows}
              rowKey={(r) => `${r.pipeline}:${r.sha}`}
              empty="No commit failed and then passed on the same pipeline."
              columns={[
                { key: 'pipeline', label: 'Pipeline' },
                { key: 'sha', label: 'Commit', render: (r) => <code>{r.sha.slice(0, 10)}</code> },
                { key: 'failures', label: 'Failures', numeric: true },
                { key: 'successes', label: 'Successes', numeric: true },
              ]}
            />
            {fresh}
          </section>
        </>
      )}
    </div>
  );
}
