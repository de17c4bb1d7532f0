import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrendSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Bars for counts, a line for rates and durations. */
  bars?: boolean;
  format?: (v: number) => string;
}

const STEP_S: Readonly<Record<string, number>> = { day: 86_400, week: 7 * 86_400, month: 30 * 86_400 };

/** A time series chart (uPlot): one x value per bucket start, resized with its box. */
export function TrendChart({
  starts,
  series,
  height = 180,
  interval = 'week',
  testId,
}: {
  starts: string[];
  /** The bucket size of the series: day, week or month. */
  interval?: string;
  series: TrendSeries[];
  height?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const xs = starts.map((s) => new Date(s).getTime() / 1000);
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values)];
    const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
    const step = STEP_S[interval] ?? 86_400;
    // Bars need half a bucket of room at each end; a lone point needs some room too, or the axis spans years.
    const pad = series.some((s) => s.bars === true) || xs.length < 2 ? step / 2 : 0;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          // uPlot widens a lone point's scale by 86,400,000 s (years): give it one bucket instead.
          range: (_u, min, max) => (xs.length === 1 ? [xs[0]! - pad, xs[0]! + pad] : [min - pad, max + pad]),
        },
      },
      axes: [
        {},
        {
          size: 60,
          values: (_u, ticks) => ticks.map((t) => series[0]?.format?.(t) ?? String(t)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars === true ? s.color + '99' : undefined,
          width: s.bars === true ? 0 : 2,
          points: { show: s.bars !== true },
          spanGaps: true,
          ...(s.bars === true && bars !== undefined ? { paths: bars } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : (s.format?.(v) ?? String(v))),
        })),
      ],
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [starts, series, height, interval]);
  return <div className="chart" ref={box} data-testid={testId} />;
}
