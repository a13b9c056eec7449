import type { HubGroup } from './group.js';

/** Characters of search text kept per group; the rest of its samples' text is not searchable. */
export const SEARCH_TEXT_CHARS = 8 * 1024;

/**
 * The lowercase text a group is found by: its key, the class and message of its newest sample ever
 * seen, then the classes, messages, stack lines and request URLs of the samples it holds, each
 * distinct string once, cut at SEARCH_TEXT_CHARS. Built when first needed after its samples changed
 * (the group caches it in `searchText`), never per request.
 */
export function buildSearchText(group: HubGroup): string {
  const parts = new Set<string>();
  let chars = 0;
  const add = (s: string): boolean => {
    if (chars >= SEARCH_TEXT_CHARS || s === '' || parts.has(s)) return chars < SEARCH_TEXT_CHARS;
    parts.add(s);
    chars += s.length + 1;
    return chars < SEARCH_TEXT_CHARS;
  };
  add(group.key);
  if (group.headline !== null) {
    add(group.headline.class);
    add(group.headline.message);
  }
  // Classes, messages and URLs of every sample first; stack lines after, as room allows.
  for (const o of group.samples) {
    for (const d of o.chain) {
      add(d.class);
      add(d.message);
    }
    if (o.http !== null) add(o.http.url);
  }
  outer: for (const o of group.samples) {
    for (const d of o.chain) {
      for (const line of d.stacktrace ?? []) if (!add(line)) break outer;
    }
  }
  const text = [...parts].join('\n').toLowerCase();
  return text.length > SEARCH_TEXT_CHARS ? text.slice(0, SEARCH_TEXT_CHARS) : text;
}

/** The group's search text, built and cached on first use after a change. */
export function searchTextOf(group: HubGroup): string {
  return (group.searchText ??= buildSearchText(group));
}

/**
 * Splits a query into lowercase terms that must all occur: words separated by white space, or
 * "quoted phrases". Example: `Timeout "db pool" ` -> ['timeout', 'db pool'].
 */
export function parseSearch(q: string | undefined): string[] {
  if (q === undefined) return [];
  const terms: string[] = [];
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (m[1] ?? m[2] ?? '').trim().toLowerCase();
    if (term !== '' && !terms.includes(term)) terms.push(term);
  }
  return terms;
}

/** True when every term occurs in the group's search text (an empty query matches everything). */
export function matchesSearch(group: HubGroup, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const text = searchTextOf(group);
  for (const t of terms) if (!text.includes(t)) return false;
  return true;
}

/**
 * Builds the search text of every group that has none yet, a few thousand groups per turn of the
 * event loop, so the first search after a start (a million groups loaded from a snapshot) is not the
 * one that pays for all of them. Stops early when `stopped()` says so.
 */
export async function warmSearchTexts(services: Iterable<Map<string, HubGroup>>, stopped: () => boolean, perTurn = 2_000): Promise<number> {
  let built = 0;
  let inTurn = 0;
  for (const groups of services) {
    for (const g of groups.values()) {
      if (g.searchText !== null) continue;
      g.searchText = buildSearchText(g);
      built++;
      if (++inTurn >= perTurn) {
        inTurn = 0;
        await new Promise((resolve) => setImmediate(resolve));
        if (stopped()) return built;
      }
    }
  }
  return built;
}
