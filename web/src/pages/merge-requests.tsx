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
import { cell, duration, num } from '../format';
import type { Location } from '../router';
import { metricQuery } from './dora-metrics';

const STAGES = [
  ['cycle', 'Cycle time'],
  ['coding', 'Coding'],
  ['pickup', 'Pickup'],
  ['review', 'Review'],
  ['merge_to_deploy', 'Merge to deploy'],
] as const;

const COLUMNS = ['repo', 'mr_key', 'title', 'author', 'merged_at', 'cycle_ms', 'pickup_ms', 'review_ms', 'commits'];

/** Merge request flow: merged per interval, cycle time and its stages, size and reviews, and the list. */
export function MergeRequestsPage({ api, loc }: { api: Api; loc: Location }) {
  const w = windowOf(loc);
  const q = metricQuery(loc.query, w, ['repo', 'author', 'team']);
  const loaded = useLoad(async () => {
    const [flow, records, freshness] = await Promise.all([
      api.mergeRequests(q),
      api.records('merge-requests', { ...q, limit: 200 }),
      api.freshness(),
    ]);
    return { flow, records, freshness, at: Date.now() };
  }, JSON.stringify(q));
  const f = loaded.data?.flow;
  const starts = useMemo(() => (f?.series ?? []).map((s) => s.start), [f]);
  const merged = useMemo(
    () => [{ label: 'Merged', values: (f?.series ?? []).map((s) => s.merged), color: '#8854d0', bars: true }],
    [f],
  );
  const cycle = useMemo(
    () => [
      {
        label: 'Cycle time p50',
        values: (f?.series ?? []).map((s) => s.cycle_p50_ms),
        color: '#fa8231',
        format: duration,
      },
    ],
    [f],
  );
  const values = useFilterValues(api);
  const teams = useTeams(api);
  const fresh = <FreshnessLine freshness={loaded.data?.freshness} computedAt={loaded.data?.at ?? Date.now()} />;
  return (
    <div className="page">
      <h1>Merge requests</h1>
      <Filters
        key={loc.query.toString()}
        loc={loc}
        teams={teams}
        fields={[
          { key: 'repo', label: 'Project (repository)', placeholder: 'group/project', options: values?.repositories },
          { key: 'author', label: 'Author' },
        ]}
      />
      <ErrorBox error={loaded.error} />
      {f !== undefined && (
        <>
          <div className="metrics-grid">
            <section className="card metric">
              <h2>Merged</h2>
              <p className="figure-static" data-testid="mr-merged">
                {f.merged}
              </p>
              <p className="muted">
                open at the end: {f.open_at_end} · merged without review: {f.reviews.merged_without_review}
              </p>
              <TrendChart starts={starts} series={merged} height={150} interval={w.interval} />
              {fresh}
            </section>
            <section className="card metric">
              <h2>Cycle time (p50)</h2>
              <p className="figure-static">{duration(f.stages.cycle.p50_ms)}</p>
              <p className="muted">
                commits p50 {num(f.size.commits_p50)} · lines p50 {num(f.size.lines_changed_p50, 0)} · approvals avg{' '}
                {num(f.reviews.approvals_avg)}
              </p>
              <TrendChart starts={starts} series={cycle} height={150} interval={w.interval} />
              {fresh}
            </section>
          </div>
          <section className="card">
            <h2>Stages</h2>
            <SortableTable
              rows={STAGES.map(([k, label]) => ({ stage: label, ...f.stages[k] }))}
              rowKey={(r) => r.stage}
              columns={[
                { key: 'stage', label: 'Stage' },
                { key: 'p50_ms', label: 'p50', numeric: true, render: (r) => duration(r.p50_ms) },
                { key: 'p90_ms', label: 'p90', numeric: true, render: (r) => duration(r.p90_ms) },
                { key: 'count', label: 'Based on', numeric: true },
              ]}
            />
            {fresh}
          </section>
          <section className="card">
            <h2>Merged in the window</h2>
            <SortableTable
              testId="mr-records"
              rows={loaded.data?.records.rows ?? []}
              rowKey={(r, i) => `${String(r['repo'])}:${String(r['mr_key'])}:${i}`}
              columns={COLUMNS.map((c) => ({
                key: c,
                label: c.replace(/_ms$/, '').replace(/_/g, ' '),
                numeric: c.endsWith('_ms') || c === 'commits',
                render: (r: Record<string, unknown>) => cell(c, r[c]),
              }))}
            />
            {fresh}
          </section>
        </>
      )}
    </div>
  );
}
