import { useEffect, useState } from 'preact/hooks';
import type { Sample } from '../../../common/api/v1.js';
import { ErrorChain } from '../components/error-chain.js';
import { HttpContext } from '../components/http-context.js';
import { When } from '../components/now.js';
import { SeverityBadge } from '../components/severity.js';
import { isTyping } from '../components/keyboard.js';
import { count } from '../format/numbers.js';

/**
 * The samples of a group, newest first, one at a time: previous/next ("i of N", also ← and →), each
 * with its class, message, stack trace, cause chain and HTTP request. The sample on screen stays on
 * screen when live updates add newer ones.
 */
export function SampleNavigator({ samples, evicted }: { samples: readonly Sample[]; evicted: boolean }) {
  const list = Array.isArray(samples) ? samples : [];
  const [uuid, setUuid] = useState<string | null>(null);
  const found = uuid === null ? -1 : list.findIndex((s) => s.uuid === uuid);
  const index = found >= 0 ? found : 0;
  const sample = list[index];
  const go = (i: number): void => {
    const next = list[Math.max(0, Math.min(list.length - 1, i))];
    if (next !== undefined) setUuid(next.uuid);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e)) return;
      if (e.key === 'ArrowLeft') go(index - 1);
      else if (e.key === 'ArrowRight') go(index + 1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (sample === undefined) {
    return (
      <p class="muted" data-testid="no-samples">
        {evicted
          ? 'This error’s samples were evicted by the hub’s memory budget (its counts are kept); the next occurrences will show here.'
          : 'No samples held for this error.'}
      </p>
    );
  }
  return (
    <div class="samples">
      <div class="sample-nav">
        <button type="button" class="small-button" disabled={index === 0} onClick={() => go(index - 1)} title="Newer sample (←)">
          ‹ Newer
        </button>
        <span data-testid="sample-position" aria-live="polite">
          Sample {count(index + 1)} of {count(list.length)}
        </span>
        <button type="button" class="small-button" disabled={index >= list.length - 1} onClick={() => go(index + 1)} title="Older sample (→)">
          Older ›
        </button>
        <span class="sample-meta">
          <When iso={sample.timestamp} /> <SeverityBadge severity={sample.severity} /> <code class="muted uuid">{sample.uuid}</code>
        </span>
      </div>
      <div key={`${sample.uuid}:${index}`}>
        <ErrorChain chain={sample.chain} />
        <h3>HTTP request</h3>
        <HttpContext http={sample.http} />
      </div>
    </div>
  );
}
