import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, toApiError } from './client.js';
import { live, type LiveMessage } from './live.js';

export interface Resource<T> {
  /** The last data loaded (kept while a refresh runs or fails). */
  readonly data: T | undefined;
  /** The last load's failure; cleared by the next success. */
  readonly error: ApiError | undefined;
  /** A load for the current inputs has not answered yet (live refreshes do not set it). */
  readonly loading: boolean;
  /** Loads again now (after a user action). */
  readonly reload: () => void;
}

export interface ResourceOptions {
  /** Which live events make this data stale. */
  readonly liveMatch?: (m: LiveMessage) => boolean;
  /** Live refreshes start at most this often (default 1000 ms); events in between coalesce. */
  readonly minIntervalMs?: number;
}

interface Control {
  inflight: AbortController | undefined;
  pending: boolean;
  lastStart: number;
  timer: number | undefined;
}

/**
 * Data from the API for a view: loaded when `deps` change (aborting the previous load), and refreshed
 * by live events that match, at most one request in flight and one per `minIntervalMs`, and not while
 * the tab is hidden (it catches up when shown). Never polls.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], options: ResourceOptions = {}): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const ctl = useRef<Control>({ inflight: undefined, pending: false, lastStart: 0, timer: undefined });

  const start = useCallback((fresh: boolean) => {
    const c = ctl.current;
    c.inflight?.abort();
    if (c.timer !== undefined) window.clearTimeout(c.timer);
    c.timer = undefined;
    c.pending = false;
    const ac = new AbortController();
    c.inflight = ac;
    c.lastStart = Date.now();
    if (fresh) setState((s) => (s.loading ? s : { ...s, loading: true }));
    loadRef.current(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setState((s) => ({ data: s.data, error: toApiError(err), loading: false }));
      },
    ).finally(() => {
      if (c.inflight !== ac) return;
      c.inflight = undefined;
      if (c.pending) schedule();
    });
  }, []);

  const schedule = useCallback(() => {
    const c = ctl.current;
    c.pending = true;
    if (c.inflight !== undefined || c.timer !== undefined || document.hidden) return;
    const wait = Math.max(0, c.lastStart + (optionsRef.current.minIntervalMs ?? 1000) - Date.now());
    c.timer = window.setTimeout(() => {
      c.timer = undefined;
      if (c.pending) start(false);
    }, wait);
  }, [start]);

  useEffect(() => {
    start(true);
    return () => {
      const c = ctl.current;
      c.inflight?.abort();
      c.inflight = undefined;
      if (c.timer !== undefined) window.clearTimeout(c.timer);
      c.timer = undefined;
    };
  }, deps);

  useEffect(() => {
    const unsubscribe = live.subscribe((m) => {
      if (m.type === 'resync' || optionsRef.current.liveMatch?.(m) === true) schedule();
    });
    const onVisible = (): void => {
      if (!document.hidden && ctl.current.pending) schedule();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      unsubscribe();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [schedule]);

  const reload = useCallback(() => start(false), [start]);
  return { ...state, reload };
}
