import type { LiveEvent } from '../../../common/api/v1.js';
import { parseEvent } from './live-event.js';

/** connecting: first attempt; live: the stream is open; reconnecting: it broke, retrying. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** A hub event, or `resync`: the stream was down for a while, so every view should refetch. */
export type LiveMessage = LiveEvent | { readonly type: 'resync' };

const EVENT_TYPES = ['groups', 'services', 'sources', 'alert', 'peers'] as const;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * The page's one connection to `api/v1/events` (Server-Sent Events). EventSource reconnects by itself
 * after a dropped stream; when it gives up (the hub answered an error, e.g. 503 when full) this opens a
 * new one with capped, jittered backoff. Every reopening after a break emits `resync`, since events
 * sent meanwhile are lost. Lives as long as the page.
 */
export class LiveConnection {
  status: LiveStatus = 'connecting';
  private source: EventSource | undefined;
  private opened = false;
  private failures = 0;
  private retryTimer: number | undefined;
  private readonly listeners = new Set<(m: LiveMessage) => void>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();

  constructor(private readonly url: string) {}

  start(): void {
    if (this.source !== undefined || typeof EventSource === 'undefined') return;
    const es = new EventSource(this.url);
    this.source = es;
    es.onopen = () => {
      this.failures = 0;
      const wasOpened = this.opened;
      this.opened = true;
      this.setStatus('live');
      if (wasOpened) this.emit({ type: 'resync' });
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        this.source = undefined;
        this.setStatus(this.opened ? 'reconnecting' : 'connecting');
        this.scheduleRetry();
      } else {
        this.setStatus(this.opened ? 'reconnecting' : 'connecting');
      }
    };
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (e) => {
        const message = parseEvent(type, (e as MessageEvent<unknown>).data);
        if (message !== null) this.emit(message);
      });
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.failures++;
    const cap = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.failures, 10));
    const delay = RETRY_MIN_MS + Math.random() * (cap - RETRY_MIN_MS);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, delay);
  }

  private setStatus(s: LiveStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const l of [...this.statusListeners]) l(s);
  }

  private emit(m: LiveMessage): void {
    for (const l of [...this.listeners]) l(m);
  }

  /** Calls `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: (m: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  onStatus(listener: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }
}

/** The page's live connection (relative URL: works under any sub-path). */
export const live = new LiveConnection('api/v1/events');
