import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/client.js';

/** What to do about a failure, by its code and status ('' when the message says it all). */
export function errorHint(error: ApiError, action: boolean): string {
  if (error.code === 'storage_full') return "The hub's disk is full, so nothing was changed: free space in its data_dir and try again (it recovers by itself).";
  if (error.code === 'network') return action ? 'The hub did not answer: the change may not have been made; try again when it is back.' : 'The hub did not answer; this page retries when the live stream is back.';
  if (error.status >= 500) return action ? 'The hub failed to make the change; see its logs.' : 'The hub failed to answer; see its logs.';
  return '';
}

/**
 * A failure in words a person can act on: of a load ("Could not load {what}"), or of an action when
 * `action` names it ("Could not resolve this error").
 */
export function ErrorBanner({ error, what, action }: { error: ApiError; what: string; action?: string }) {
  const hint = errorHint(error, action !== undefined);
  return (
    <div class="banner banner-error" role="alert" data-code={error.code}>
      <strong>{action ?? `Could not load ${what}`}:</strong> {error.message} {hint !== '' && <span class="muted">{hint}</span>}
    </div>
  );
}

/** Loading placeholder, error banner, or the content once data is there (stale data stays visible). */
export function Loaded<T>({ data, error, what, children }: { data: T | undefined; error: ApiError | undefined; what: string; children: (data: T) => ComponentChildren }) {
  return (
    <>
      {error !== undefined && <ErrorBanner error={error} what={what} />}
      {data !== undefined ? children(data) : error === undefined && <p class="muted loading">Loading {what}…</p>}
    </>
  );
}
