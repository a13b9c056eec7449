import { useState } from 'preact/hooks';
import type { Series } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';
import { timeText } from './chart-axes.js';

/**
 * A tiny inline SVG chart of a series (e.g. occurrences per minute over the last hour). Scaled to its
 * own maximum; a flat line when nothing happened. The total is in its label for screen readers;
 * hovering shows the pointed bucket's time and full count.
 */
export function Sparkline({ series, width = 120, height = 22, what = 'occurrences' }: { series: Series | null | undefined; width?: number; height?: number; what?: string }) {
  const [hover, setHover] = useState<number | null>(null);
  const values = Array.isArray(series?.values) ? series.values.filter((v) => Number.isFinite(v)) : [];
  const total = values.reduce((s, v) => s + v, 0);
  const minutes = series !== null && series !== undefined ? Math.round((values.length * series.step_ms) / 60_000) : 0;
  const label = `${count(total)} ${what} in the last ${minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`}`;
  if (values.length < 2 || series === null || series === undefined) return <svg class="spark" width={width} height={height} role="img" aria-label={label} />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const y = (v: number): number => height - 1 - (v / max) * (height - 3);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const start = Date.parse(series.start);
  const onMove = (e: MouseEvent): void => {
    const box = (e.currentTarget as SVGElement).getBoundingClientRect();
    const i = Math.round(((e.clientX - box.left) / Math.max(1, box.width)) * (values.length - 1));
    setHover(Math.max(0, Math.min(values.length - 1, i)));
  };
  return (
    <span class="spark-wrap">
      <svg
        class={`spark${total === 0 ? ' spark-flat' : ''}`}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      >
        <title>{label}</title>
        <polygon class="spark-area" points={`0,${height} ${points} ${width},${height}`} />
        <polyline class="spark-line" points={points} />
        {hover !== null && <line class="spark-cursor" x1={hover * step} x2={hover * step} y1={0} y2={height} />}
      </svg>
      {hover !== null && (
        <span class="spark-tip" data-testid="spark-tip">
          {Number.isFinite(start) ? `${timeText(start + hover * series.step_ms, series.step_ms)}: ` : ''}
          {count(values[hover])} {what}
        </span>
      )}
    </span>
  );
}
