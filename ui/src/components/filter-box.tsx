import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A search box that filters the list under it; `/` focuses it (data-search-focus), Escape clears it.
 * Calls `onChange` after `delayMs` without typing (0: at once), and at once on Enter.
 */
export function FilterBox({ value, onChange, label, placeholder, delayMs = 0, testId }: {
  value: string;
  onChange: (q: string) => void;
  label: string;
  placeholder: string;
  delayMs?: number;
  testId?: string;
}) {
  const [text, setText] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (document.activeElement?.getAttribute('aria-label') !== label) setText(value);
  }, [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const send = (q: string, now: boolean): void => {
    window.clearTimeout(timer.current);
    if (now || delayMs === 0) onChange(q);
    else timer.current = window.setTimeout(() => onChange(q), delayMs);
  };
  return (
    <input
      type="search"
      class="search"
      placeholder={`${placeholder}  ( / )`}
      aria-label={label}
      data-search-focus=""
      data-testid={testId}
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        send(e.currentTarget.value, false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') send(text, true);
        else if (e.key === 'Escape' && text !== '') {
          setText('');
          send('', true);
        }
      }}
    />
  );
}
