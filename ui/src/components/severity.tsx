import type { ErrorStatus } from '../../../common/api/v1.js';

const KNOWN = new Set(['info', 'warning', 'error']);

/** The severity as a coloured badge (unknown values shown as they are, uncoloured). */
export function SeverityBadge({ severity }: { severity: string }) {
  const cls = KNOWN.has(severity) ? severity : 'unknown';
  return <span class={`badge sev-${cls}`}>{severity}</span>;
}

/** Resolved / regressed badge; nothing for a plain unresolved error. */
export function StatusBadge({ status }: { status: ErrorStatus | string }) {
  if (status === 'regressed') return <span class="badge status-regressed" title="Came back after it was resolved">regressed</span>;
  if (status === 'resolved') return <span class="badge status-resolved">resolved</span>;
  return null;
}
