import { useEffect, useState } from 'preact/hooks';
import { live, type LiveStatus } from '../api/live.js';

const TEXT: Record<LiveStatus, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };
const TITLE: Record<LiveStatus, string> = {
  connecting: 'Connecting to the hub’s live stream',
  live: 'Connected: lists update by themselves',
  reconnecting: 'Lost the hub’s live stream; retrying. What you see may be stale.',
};

/** Whether the lists on screen are live: a dot and a word, announced politely when it changes. */
export function LiveIndicator() {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => {
    setStatus(live.status);
    return live.onStatus(setStatus);
  }, []);
  return (
    <span class={`live live-${status}`} data-testid="live-status" data-status={status} title={TITLE[status]} role="status" aria-live="polite">
      <span class="live-dot" aria-hidden="true" />
      {TEXT[status]}
    </span>
  );
}
