/** A cell: numbers are shown with thousands separators and at most 3 decimals. */
export type Cell = string | number | boolean | null | undefined;

function show(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return String(cell);
    return cell.toLocaleString('en-US', { maximumFractionDigits: Math.abs(cell) >= 100 ? 0 : 3 });
  }
  return String(cell);
}

/** A plain-text table (numbers right-aligned), as each benchmark prints its figures. */
export function formatTable(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map(show));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  const numeric = (r: readonly Cell[]) => header.map((_, i) => typeof r[i] === 'number');
  return [
    `\n${title}`,
    line(header, header.map(() => false)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r, i) => line(r, numeric(rows[i] as readonly Cell[]))),
  ].join('\n');
}

/** The same table in Markdown (for bench/results/latest.md and docs/performance.md). */
export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => show(c).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}
