import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { localTime, parseTime, relativeTime } from '../format/time.js';

const NowContext = createContext(Date.now());

/** Re-renders relative times every `everyMs` so "5s ago" does not freeze on a quiet page. */
export function NowProvider({ everyMs = 10_000, children }: { everyMs?: number; children: ComponentChildren }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return <NowContext.Provider value={now}>{children}</NowContext.Provider>;
}

export const useNow = (): number => useContext(NowContext);

/** "3m ago", with the local and UTC times on hover. */
export function Ago({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  const ms = parseTime(iso);
  const text = relativeTime(ms, now);
  return (
    <time dateTime={iso ?? undefined} title={ms === null ? 'unknown' : `${localTime(ms)} (local)\n${new Date(ms).toISOString()}`}>
      {text}
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
