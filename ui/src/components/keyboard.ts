/** The key press belongs to a text field or comes with a modifier: not a page shortcut. */
export function isTyping(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  const t = e.target as HTMLElement | null;
  if (t === null) return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
}

/**
 * Page-wide shortcuts: `/` focuses the page's search box, `j`/`k` move the focus down and up the
 * rows of a list (their first link). Installed once by the app.
 */
export function installShortcuts(): () => void {
  const onKey = (e: KeyboardEvent): void => {
    if (isTyping(e)) return;
    if (e.key === '/') {
      const boxes = document.querySelectorAll<HTMLInputElement>('[data-search-focus]');
      const box = boxes[boxes.length - 1];
      if (box !== undefined) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    } else if (e.key === 'j' || e.key === 'k') {
      const links = [...document.querySelectorAll<HTMLAnchorElement>('a.row-link')];
      if (links.length === 0) return;
      const at = links.indexOf(document.activeElement as HTMLAnchorElement);
      const next = at < 0 ? (e.key === 'j' ? 0 : links.length - 1) : Math.max(0, Math.min(links.length - 1, at + (e.key === 'j' ? 1 : -1)));
      links[next]?.focus();
      e.preventDefault();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
