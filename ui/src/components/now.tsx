import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { describeRelative, localTime, NOW_REFRESH_MS, parseTime } from '../format/time.js';

const NowContext = createContext(Date.now());

/** Re-renders relative times every `everyMs` so "5s ago" does not freeze on a quiet page. */
export function NowProvider({ everyMs = NOW_REFRESH_MS, children }: { everyMs?: number; children: ComponentChildren }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return <NowContext.Provider value={now}>{children}</NowContext.Provider>;
}

export const useNow = (): number => useContext(NowContext);

/**
 * "3m ago", with the local and UTC times on hover. A time just past the page's clock (a live update
 * between two clock refreshes) reads "just now"; one well ahead of this browser's clock is marked
 * (class `future`, a ⚠ and a title saying a clock is skewed).
 */
export function Ago({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  const ms = parseTime(iso);
  const { text, future } = describeRelative(ms, now);
  const when = ms === null ? 'unknown' : `${localTime(ms)} (local)\n${new Date(ms).toISOString()}`;
  return (
    <time
      dateTime={iso ?? undefined}
      class={future ? 'future' : undefined}
      title={future ? `${when}\nAhead of this browser's clock: the clock of this computer or of the reporting host is off.` : when}
    >
      {future ? `⚠ ${text}` : text}
    </time>
  );
}

/** "2024-05-01 12:00:03 · 3m ago". */
export function When({ iso }: { iso: string | null | undefined }) {
  const ms = parseTime(iso);
  if (ms === null) return <span class="muted">unknown</span>;
  return (
    <span>
      {localTime(ms)} <span class="muted">· <Ago iso={iso} /></span>
    </span>
  );
}
