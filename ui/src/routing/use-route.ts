import { useEffect, useState } from 'preact/hooks';
import { formatHash, parseHash, type Route } from './routes.js';

const listeners = new Set<() => void>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('hashchange', () => {
    for (const l of [...listeners]) l();
  });
}

/** The current route, re-rendering on every hash change (links, back/forward, navigate()). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    listen();
    const update = (): void => setRoute(parseHash(location.hash));
    listeners.add(update);
    update();
    return () => void listeners.delete(update);
  }, []);
  return route;
}

/**
 * Goes to `route`. With `replace`, the history entry is replaced (typing in a search box should not
 * leave one entry per key stroke) and listeners are told directly, since replaceState fires no event.
 */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = formatHash(route);
  if (hash === location.hash) return;
  if (options.replace === true) {
    history.replaceState(history.state, '', hash);
    for (const l of [...listeners]) l();
  } else {
    location.hash = hash;
  }
}
