import type { WireTarget } from '../../../../common/federation/messages.js';

/** Down (not up), or up with an error from its last scrape. */
export const isFailing = (t: WireTarget): boolean => !t.up || t.last_error !== '';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** 0 down, 1 failing while up, 2 healthy: the order problems are listed in. */
const rank = (t: WireTarget): number => (!t.up ? 0 : t.last_error !== '' ? 1 : 2);

/** Down targets first, then failing ones, then by service, agent and URL. */
export function byHealth(a: WireTarget, b: WireTarget): number {
  return rank(a) - rank(b) || cmp(a.service, b.service) || cmp(a.agent, b.agent) || cmp(a.url, b.url);
}

/** A case-insensitive substring test over service, URL, agent and last error ('' matches all). */
export function targetMatcher(q: string | undefined): (t: WireTarget) => boolean {
  const needle = (q ?? '').trim().toLowerCase();
  if (needle === '') return () => true;
  return (t) =>
    t.service.toLowerCase().includes(needle) || t.url.toLowerCase().includes(needle) || t.agent.toLowerCase().includes(needle) || t.last_error.toLowerCase().includes(needle);
}

/** Keeps targets of `health` (undefined: all). */
export function healthMatcher(health: 'up' | 'down' | 'failing' | 'ok' | undefined): (t: WireTarget) => boolean {
  switch (health) {
    case 'up':
      return (t) => t.up;
    case 'down':
      return (t) => !t.up;
    case 'failing':
      return isFailing;
    case 'ok':
      return (t) => !isFailing(t);
    default:
      return () => true;
  }
}

export interface ServiceTargets {
  readonly service: string;
  up: number;
  down: number;
  failing: number;
  /** Failing targets, in byHealth order, at most `failingShown`. */
  readonly failingTargets: WireTarget[];
}

/** Targets counted per service, failing ones listed (the first `failingShown`); services with failing targets first, then by name. */
export function perService(targets: readonly WireTarget[], failingShown: number): ServiceTargets[] {
  const by = new Map<string, ServiceTargets & { all: WireTarget[] }>();
  for (const t of targets) {
    let s = by.get(t.service);
    if (s === undefined) by.set(t.service, (s = { service: t.service, up: 0, down: 0, failing: 0, failingTargets: [], all: [] }));
    if (t.up) s.up++;
    else s.down++;
    if (isFailing(t)) {
      s.failing++;
      s.all.push(t);
    }
  }
  const out: ServiceTargets[] = [];
  for (const { all, ...s } of by.values()) {
    all.sort(byHealth);
    s.failingTargets.push(...all.slice(0, failingShown));
    out.push(s);
  }
  return out.sort((a, b) => Number(b.failing > 0) - Number(a.failing > 0) || cmp(a.service, b.service));
}
