import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Asks for the hub's admin token (the hub answered 401 to a write). The token is kept for this tab
 * only by the caller. Escape or Cancel closes; focus returns to where it was.
 */
export function TokenPrompt({ rejected, onSubmit, onCancel }: { rejected: boolean; onSubmit: (token: string) => void; onCancel: () => void }) {
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    input.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onCancel()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="token-title">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim() !== '') onSubmit(token.trim());
          }}
        >
          <h2 id="token-title">Admin token required</h2>
          <p>This hub only lets holders of its admin token resolve or unresolve errors.</p>
          {rejected && (
            <p class="form-error" role="alert">
              The hub rejected that token.
            </p>
          )}
          <label>
            Admin token
            <input ref={input} type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} name="admin-token" />
          </label>
          <p class="muted small">Kept in this browser tab only, until it is closed.</p>
          <div class="modal-actions">
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={token.trim() === ''}>
              Continue
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
