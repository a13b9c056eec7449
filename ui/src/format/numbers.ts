const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1234567 -> "1,234,567"; non-numbers -> "—". */
export function count(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? grouped.format(n) : '—';
}

/** 1234567 -> "1.2M" (for tight spots; the exact number goes in a title). */
export function compactCount(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? compact.format(n) : '—';
}

/** 1536 -> "1.5 KiB". */
export function bytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
