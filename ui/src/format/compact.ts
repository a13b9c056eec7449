/**
 * Compact numbers for tight spots (chart axes, narrow cells): 5_500_000 -> "5.5M", 12_000 -> "12k".
 * Pure; the full number (`count` in numbers.ts) goes in a tooltip or title beside it.
 */

const UNITS: readonly (readonly [number, string])[] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Below this, numbers are shown in full on axes ("9,500" fits). */
export const COMPACT_FROM = 10_000;

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** The fewest decimals (0 to 3) that show `x` exactly enough (to a millionth). */
function decimalsOf(x: number): number {
  for (let d = 0; d < 3; d++) {
    const scaled = Math.abs(x) * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 3;
}

const trim = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

const short = (v: number): string => trim(v.toFixed(v < 10 ? 1 : 0));

/** `n` in the unit that keeps it short, one decimal below 10 of a unit ("1.5k", "12k", "5.5M"). */
export function compactNumber(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  let i = UNITS.findIndex(([size]) => a >= size);
  if (i < 0) return sign + grouped.format(Math.round(a * 10) / 10);
  let text = short(a / (UNITS[i] as readonly [number, string])[0]);
  // 999,960 would read "1000k": the next unit up says it better.
  if (Number(text) >= 1000 && i > 0) text = short(a / (UNITS[--i] as readonly [number, string])[0]);
  return `${sign}${text}${(UNITS[i] as readonly [number, string])[1]}`;
}

/**
 * The labels of a numeric axis with ticks every `incr`: full numbers while the largest stays under
 * COMPACT_FROM, else all in one unit (that of the largest) with the decimals the step needs, so
 * neighbouring labels never read the same ("12.5k", not "13k" twice). Non-integer ticks of a count axis
 * (0.5 occurrences) are left blank.
 */
export function axisLabels(splits: readonly number[], incr: number, integersOnly = true): string[] {
  const max = splits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (max < COMPACT_FROM) {
    return splits.map((v) => (integersOnly && !Number.isInteger(v) ? '' : grouped.format(v)));
  }
  const unit = UNITS.find(([size]) => max >= size) ?? ([1, ''] as const);
  const [size, suffix] = unit;
  const decimals = decimalsOf(incr / size);
  return splits.map((v) => (integersOnly && !Number.isInteger(v) ? '' : v === 0 ? '0' : `${trim((v / size).toFixed(decimals))}${suffix}`));
}
