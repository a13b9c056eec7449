import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Series } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';
import { AXIS_FONT, countLabels, GAP_PX, TICK_PX, timeLabels, timeText, yAxisSize } from './chart-axes.js';

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

/** The tooltip: the hovered bucket's time and its full count (text only). */
function showTooltip(u: uPlot, tip: HTMLElement, stepMs: number, label: string): void {
  const i = u.cursor.idx;
  const left = u.cursor.left ?? -1;
  if (i === null || i === undefined || left < 0) {
    tip.hidden = true;
    return;
  }
  const at = (u.data[0][i] ?? 0) * 1000;
  const v = u.data[1]?.[i] ?? 0;
  tip.textContent = `${timeText(at, stepMs)}: ${count(v ?? 0)} ${label.toLowerCase()}`;
  tip.hidden = false;
  const plotLeft = u.over.offsetLeft;
  const x = Math.min(plotLeft + left + 8, Math.max(0, u.root.clientWidth - tip.offsetWidth));
  tip.style.transform = `translate(${x}px, 4px)`;
}

/** The labels the axes' value callbacks last gave uPlot (what it draws). */
interface Drawn {
  y: string[];
  xSplits: number[];
  x: string[];
}

/**
 * Where the axis labels were drawn (for tests and tools that check nothing is clipped): the y labels
 * and the x labels with their centre, in CSS pixels from the chart's left edge.
 */
function recordLabels(u: uPlot, box: HTMLElement, drawn: Drawn): void {
  const left = u.over.offsetLeft;
  box.dataset['yLabels'] = JSON.stringify(drawn.y);
  box.dataset['xLabels'] = JSON.stringify(drawn.x.map((text, i) => [text, left + u.valToPos(drawn.xSplits[i] ?? 0, 'x')]));
  box.dataset['axisFont'] = AXIS_FONT;
  box.dataset['labelOffset'] = String(TICK_PX + GAP_PX);
}

/**
 * Occurrences over time as bars (uPlot, canvas). Follows its container's width; redrawn in place
 * when the data changes (a live update does not rebuild the chart). The y axis is as wide as its
 * labels (compact: "5.5M"); hovering a bar shows its full count.
 */
export function TimeChart({ series, height = 180, label = 'Occurrences' }: { series: Series | null | undefined; height?: number; label?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
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
    const stepMs = series.step_ms;
    const bars = uPlot.paths.bars;
    const drawn: Drawn = { y: [], xSplits: [], x: [] };
    const axis = { stroke: text, font: AXIS_FONT, gap: GAP_PX, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: TICK_PX } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + stepS] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { ...axis, values: (u, splits) => { drawn.xSplits = splits; return (drawn.x = timeLabels(stepMs)(u, splits)); } },
        { ...axis, size: yAxisSize, values: (u, splits, i, space, incr) => (drawn.y = countLabels(u, splits, i, space, incr)) },
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
      hooks: {
        setCursor: [(u) => { if (tip.current !== null) showTooltip(u, tip.current, stepMs, label); }],
        draw: [(u) => recordLabels(u, el, drawn)],
      },
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
      <div class="chart-wrap" hidden={empty}>
        <div ref={box} class="chart-box" data-testid="time-chart" />
        <div ref={tip} class="chart-tip" role="status" data-testid="chart-tip" hidden />
      </div>
    </figure>
  );
}
