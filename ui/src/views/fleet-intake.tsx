import type { SourceView } from '../../../common/api/v1.js';
import { memoRow } from '../components/memo.js';
import { compactNumber } from '../format/compact.js';
import { count } from '../format/numbers.js';
import { type IntakeRow, intakeRow } from '../format/otlp-intake.js';
import { GridTable, num } from '../components/grid-table.js';

/** A figure, compact, exact on hover; highlighted (`cls`) when above 0. */
function Figure({ n, title, cls, testId }: { n: number; title: string; cls?: string; testId?: string }) {
  return (
    <td class={`num${n > 0 && cls !== undefined ? ` ${cls}` : ''}`} title={`${count(n)} ${title}`} data-testid={testId}>
      {compactNumber(n)}
    </td>
  );
}

const IntakeTableRow = memoRow(
  function IntakeTableRow({ name, row }: { name: string; row: IntakeRow }) {
    const r = row.refused;
    return (
      <tr data-agent={name}>
        <td>{name}</td>
        <Figure n={row.accepted} title={`exceptions counted${row.overflow > 0 ? ` (${count(row.overflow)} in the overflow group)` : ''}`} testId="otlp-accepted" />
        <Figure n={row.duplicate} title="exporter retries not counted again" />
        <Figure n={row.rejected} title="exceptions rejected in a partial success (rate limit, too many services)" cls="warn-text" testId="otlp-rejected" />
        <Figure n={row.spansIgnored} title="spans without an exception (ignored)" testId="otlp-spans-ignored" />
        <Figure n={row.logsIgnored} title="log records without an exception (ignored)" testId="otlp-logs-ignored" />
        <Figure n={r.rate_limit} title="requests refused by the rate limit (429) or while overloaded (503)" cls="warn-text" />
        <Figure n={r.too_large} title="requests refused as too large (413), before or after decompression" cls="down-text" />
        <Figure n={r.bad_data} title="requests refused as undecodable or of another content type (400, 415)" cls="down-text" testId="otlp-bad-data" />
        <Figure n={r.auth + r.other} title={`requests refused without a valid token (401)${r.other > 0 ? ' or for another reason' : ''}`} cls="down-text" />
        <td class="muted small">{row.refusedDetail === '' ? '—' : row.refusedDetail}</td>
      </tr>
    );
  },
  (a, b) => a.name === b.name && JSON.stringify(a.row) === JSON.stringify(b.row),
);

/**
 * What the OTLP intake (`agent.otlp`) of each agent did since it started, as the agents report it:
 * hidden when no agent runs one. Sources are given already filtered (the Fleet view's filter).
 */
export function OtlpIntakeTable({ items }: { items: readonly SourceView[] }) {
  const reporting = items.filter((s): s is SourceView & { otlp: NonNullable<SourceView['otlp']> } => s.otlp !== null && s.otlp !== undefined);
  if (reporting.length === 0) return null;
  return (
    <>
      <h2 data-testid="otlp-heading">OpenTelemetry intake</h2>
      <p class="muted small">Per agent since it started: exceptions from span events and log records, what was ignored, and requests refused (the agent's <code>crowsnest_agent_otlp_*</code> metrics).</p>
      <GridTable
        testId="otlp-intake"
        columns={[
          'Agent',
          num('Exceptions'),
          num('Retries'),
          num('Rejected'),
          num('Spans ignored'),
          num('Logs ignored'),
          num('Rate limited', 'Requests refused: rate limit'),
          num('Too large', 'Requests refused: over agent.otlp.max_body_bytes'),
          num('Bad data', 'Requests refused: undecodable, or another content type'),
          num('Unauthorized', 'Requests refused: missing or wrong token'),
          'Refusals by reason',
        ]}
      >
        {reporting.map((s) => (
          <IntakeTableRow key={`${s.via.join('\u0000')}\u0001${s.name}`} name={s.name} row={intakeRow(s.otlp)} />
        ))}
      </GridTable>
    </>
  );
}
