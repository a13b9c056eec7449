import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Series } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Axis labels in local 24-hour time; the date too when buckets are hours. */
function timeLabels(stepMs: number): (u: uPlot, splits: number[]) => string[] {
  return (_u, splits) =>
    splits.map((s) => {
      const d = new Date(s * 1000);
      const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
      return stepMs >= 3_600_000 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
    });
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

/** uPlot's columns: bucket start times (seconds) and counts. */
function toData(series: Series): uPlot.AlignedData {
  const start = Date.parse(series.start);
  const base = Number.isFinite(start) ? start : Date.now() - series.values.length * series.step_ms;
  const xs = series.values.map((_, i) => (base + i * series.step_ms) / 1000);
  // Empty buckets draw no bar (a zero-height bar would still draw its outline).
  const ys = series.values.map((v) => (Number.isFinite(v) && v > 0 ? v : null));
  return [xs, ys];
}

/**
 * Occurrences over time as bars (uPlot, canvas). Follows its container's width; redrawn in place
 * when the data changes (a live update does not rebuild the chart).
 */
export function TimeChart({ series, height = 180, label = 'Occurrences' }: { series: Series | null | undefined; height?: number; label?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const step = useRef(0);
  const values = Array.isArray(series?.values) ? series.values : [];
  const total = values.reduce((s, v) => s + (Number.isFinite(v) ? v : 0), 0);

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    if (series === null || series === undefined || values.length === 0) {
      plot.current?.destroy();
      plot.current = null;
      return undefined;
    }
    const data = toData(series);
    const existing = plot.current;
    if (existing !== null && existing.data[0]?.length === data[0].length && step.current === series.step_ms) {
      existing.setData(data);
      return undefined;
    }
    existing?.destroy();
    const text = cssVar('--muted', '#666');
    const grid = cssVar('--grid', '#e5e5e5');
    const accent = cssVar('--accent', '#2563eb');
    const fill = cssVar('--accent-fill', 'rgba(37, 99, 235, 0.35)');
    const stepS = series.step_ms / 1000;
    const bars = uPlot.paths.bars;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + stepS] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: timeLabels(series.step_ms) },
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 50, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? count(v) : '')) },
      ],
      series: [
        {},
        {
          label,
          stroke: accent,
          fill,
          width: 1,
          ...(bars === undefined ? {} : { paths: bars({ size: [0.9, 40], align: 1 }) }),
          points: { show: false },
        },
      ],
    };
    plot.current = new uPlot(opts, data, el);
    step.current = series.step_ms;
    return undefined;
  }, [series, height]);

  useEffect(() => {
    const el = box.current;
    if (el === null || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [height]);

  const empty = series === null || series === undefined || values.length === 0;
  return (
    <figure class="chart" aria-label={`${label}: ${count(total)} in this window`}>
      {empty && <p class="muted">No time series yet.</p>}
      <div ref={box} class="chart-box" hidden={empty} data-testid="time-chart" />
    </figure>
  );
}
