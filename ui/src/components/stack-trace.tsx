import { useState } from 'preact/hooks';
import { count } from '../format/numbers.js';

/** Lines shown before "show all"; enough for the frames that matter, cheap for huge traces. */
const FIRST_LINES = 40;

/**
 * A stack trace as plain text (one text node, so thousands of lines stay cheap and nothing in them is
 * markup), the first lines only until the user asks for all.
 */
export function StackTrace({ lines }: { lines: readonly string[] | null | undefined }) {
  const [all, setAll] = useState(false);
  const list = Array.isArray(lines) ? lines.map((l) => (typeof l === 'string' ? l : String(l))) : [];
  if (list.length === 0) return <p class="muted small">No stack trace.</p>;
  const shown = all ? list : list.slice(0, FIRST_LINES);
  return (
    <div class="stack-wrap">
      <pre class="stack" data-testid="stack-trace">{shown.join('\n')}</pre>
      {list.length > FIRST_LINES && (
        <button type="button" class="link-button" onClick={() => setAll(!all)}>
          {all ? `Show the first ${FIRST_LINES} lines` : `Show all ${count(list.length)} lines`}
        </button>
      )}
    </div>
  );
}
