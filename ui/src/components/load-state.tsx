import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/client.js';

/** A failure to load, in words a person can act on. */
export function ErrorBanner({ error, what }: { error: ApiError; what: string }) {
  const hint =
    error.code === 'network'
      ? 'The hub did not answer; this page retries when the live stream is back.'
      : error.status >= 500
        ? 'The hub failed to answer; see its logs.'
        : '';
  return (
    <div class="banner banner-error" role="alert">
      <strong>Could not load {what}:</strong> {error.message} {hint !== '' && <span class="muted">{hint}</span>}
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
