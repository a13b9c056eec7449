import type { Series } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';

/**
 * A tiny inline SVG chart of a series (e.g. occurrences per minute over the last hour). Scaled to its
 * own maximum; a flat line when nothing happened. The total is in its label for screen readers.
 */
export function Sparkline({ series, width = 120, height = 22, what = 'occurrences' }: { series: Series | null | undefined; width?: number; height?: number; what?: string }) {
  const values = Array.isArray(series?.values) ? series.values.filter((v) => Number.isFinite(v)) : [];
  const total = values.reduce((s, v) => s + v, 0);
  const minutes = series !== null && series !== undefined ? Math.round((values.length * series.step_ms) / 60_000) : 0;
  const label = `${count(total)} ${what} in the last ${minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`}`;
  if (values.length < 2) return <svg class="spark" width={width} height={height} role="img" aria-label={label} />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const y = (v: number): number => height - 1 - (v / max) * (height - 3);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg class={`spark${total === 0 ? ' spark-flat' : ''}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <title>{label}</title>
      <polygon class="spark-area" points={`0,${height} ${points} ${width},${height}`} />
      <polyline class="spark-line" points={points} />
    </svg>
  );
}
