import { useMemo } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import { Filters, windowOf } from '../components/filters';
import { FreshnessLine } from '../components/freshness-line';
import { TrendChart } from '../components/trend-chart';
import { useTeams } from '../components/team-select';
import { useFilterValues } from '../components/use-filter-values';
import { useLoad } from '../components/use-load';
import { navigate, type Location } from '../router';
import type { Freshness, MetricAnswer } from '../types';
import { change, COUNT_OF, DORA, DORA_QUERY, type DoraMetric, metricQuery, previousWindow } from './dora-metrics';

const BAND_ORDER = ['elite', 'high', 'medium', 'low'];

function Trend({ metric, answer, previous }: { metric: DoraMetric; answer: MetricAnswer; previous: MetricAnswer }) {
  const days = Math.round((Date.parse(previous.window.to) - Date.parse(previous.window.from)) / 86_400_000);
  const c = change(metric, answer.value, previous.value);
  const was = previous.value === null ? '—' : metric.format(previous.value);
  return (
    <p
      className="trend"
      data-testid="trend-delta"
      data-previous={previous.value === null ? '' : String(previous.value)}
    >
      {c === null ? (
        <span className="muted">No figure to compare with over the {days} days before.</span>
      ) : (
        <>
          <span className={c.better ? 'better' : 'worse'}>{c.text}</span>{' '}
          <span className="muted">
            vs {was} over the {days} days before
          </span>
        </>
      )}
    </p>
  );
}

function MetricCard({
  metric,
  answer,
  previous,
  error,
  freshness,
  computedAt,
  search,
}: {
  metric: DoraMetric;
  answer: MetricAnswer | undefined;
  previous: MetricAnswer | undefined;
  error: unknown;
  freshness: Freshness | undefined;
  computedAt: number;
  search: string;
}) {
  const series = useMemo(
    () => [
      {
        label: metric.title,
        values: (answer?.series ?? []).map((p) => p.value),
        color: '#3867d6',
        bars: metric.name === 'deployment-frequency',
        format: metric.format,
      },
    ],
    [answer, metric],
  );
  const starts = useMemo(() => (answer?.series ?? []).map((p) => p.start), [answer]);
  const open = () => navigate(`/insights/dora/${metric.name}${search}`);
  return (
    <section className="card metric" data-testid={`metric-${metric.name}`}>
      <header className="row">
        <h2>
          <a
            href={`/insights/dora/${metric.name}${search}`}
            onClick={(e) => {
              e.preventDefault();
              open();
            }}
          >
            {metric.title}
          </a>
        </h2>
        {answer?.band != null && (
          <span
            className={`pill band-${answer.band.name}`}
            title={answer.band.source}
            data-testid="band"
            data-rank={BAND_ORDER.indexOf(answer.band.name)}
          >
            {answer.band.name}
          </span>
        )}
      </header>
      <ErrorBox error={error} />
      {answer !== undefined && (
        <>
          <button
            type="button"
            className="figure"
            onClick={open}
            data-testid="value"
            data-value={answer.value === null ? '' : String(answer.value)}
            title="Open the records behind this figure"
          >
            {answer.value === null ? '—' : metric.format(answer.value)}
            <small> {metric.ms ? answer.unit.replace(/^milliseconds\s*/, '') : answer.unit}</small>
          </button>
          <p className="muted">
            based on <span data-testid="count">{answer.count}</span> {COUNT_OF[metric.name]} · click for the records
          </p>
          {previous !== undefined && <Trend metric={metric} answer={answer} previous={previous} />}
          <TrendChart starts={starts} series={series} height={150} interval={answer.interval} testId="trend" />
        </>
      )}
      <FreshnessLine freshness={freshness} computedAt={computedAt} />
    </section>
  );
}

/** DORA: the four keys with their band and trend; each opens its drill-down. */
export function DoraPage({ api, loc }: { api: Api; loc: Location }) {
  const w = windowOf(loc);
  const q = metricQuery(loc.query, w, DORA_QUERY);
  const key = JSON.stringify(q);
  const loaded = useLoad(async () => {
    const prev = { ...q, ...previousWindow(w) };
    const [freshness, answers, previous] = await Promise.all([
      api.freshness(),
      Promise.all(DORA.map((m) => api.metric(m.name, q).catch((e: unknown) => e as Error))),
      Promise.all(DORA.map((m) => api.metric(m.name, prev).catch(() => undefined))),
    ]);
    return { freshness, answers, previous, at: Date.now() };
  }, key);
  const values = useFilterValues(api);
  const teams = useTeams(api);
  const search = window.location.search;
  const profile = `/insights/dora/profile${search}`;
  return (
    <div className="page">
      <header className="row">
        <h1>DORA metrics</h1>
        <a
          href={profile}
          data-testid="what-counts"
          title="The DORA profile: which runs are production deployments and which failed"
          onClick={(e) => {
            e.preventDefault();
            navigate(profile);
          }}
        >
          What counts as a deployment?
        </a>
      </header>
      <Filters
        key={loc.query.toString()}
        loc={loc}
        teams={teams}
        fields={[
          { key: 'source', label: 'Source', placeholder: 'harnessng, gitlab, custom', options: values?.sources },
          { key: 'pipeline', label: 'Pipeline', options: values?.pipelines },
          { key: 'service', label: 'Service / project', options: values?.services },
          { key: 'environment', label: 'Environment', options: values?.environments },
        ]}
      />
      <p className="muted" data-testid="window">
        {w.from} to {w.to} (UTC days, both included){loaded.loading && ' · loading…'}
      </p>
      <ErrorBox error={loaded.error} />
      <div className="metrics-grid">
        {DORA.map((m, i) => {
          const a = loaded.data?.answers[i];
          return (
            <MetricCard
              key={m.name}
              metric={m}
              answer={a instanceof Error ? undefined : a}
              previous={loaded.data?.previous[i]}
              error={a instanceof Error ? a : undefined}
              freshness={loaded.data?.freshness}
              computedAt={loaded.data?.at ?? Date.now()}
              search={search}
            />
          );
        })}
      </div>
    </div>
  );
}
