/** Milliseconds of an ISO time, or null when missing or unparseable. */
export function parseTime(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * "12s ago", "5m ago", "3h ago", "4d ago" (or "in 2m" for clocks ahead); "never" when unknown.
 * Example: relativeTime(60_000, 180_000) === '2m ago'.
 */
export function relativeTime(ms: number | null, now: number): string {
  if (ms === null) return 'never';
  const diff = now - ms;
  const abs = Math.abs(diff);
  const text = abs < 5_000 ? null : abs < 60_000 ? `${Math.floor(abs / 1000)}s` : abs < 3_600_000 ? `${Math.floor(abs / 60_000)}m` : abs < 86_400_000 ? `${Math.floor(abs / 3_600_000)}h` : `${Math.floor(abs / 86_400_000)}d`;
  if (text === null) return 'just now';
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, `YYYY-MM-DD HH:MM:SS`; '—' when unknown. */
export function localTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration: "850 ms", "3.2 s", "4.0 min", "2.5 h"; '—' when unknown. */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
