import type { Severity } from '../../../../common/severity.js';
import { type HubGroup, statusOf } from '../../../state/group.js';
import { matchesSearch } from '../../../state/search-text.js';
import type { Position } from './cursor.js';
import { yieldToLoop } from '../../yield-to-loop.js';
import { hasTagValue } from '../../../state/group-tags.js';

export type SortField = 'count' | 'last_seen' | 'created_at';
export type StatusFilter = 'unresolved' | 'resolved' | 'regressed' | 'all';

export interface ListOptions {
  /** Lowercase terms that must all occur in a group's search text (search-text.ts). */
  readonly terms: readonly string[];
  readonly severity?: Severity | undefined;
  readonly status: StatusFilter;
  /** Only groups with occurrences in this environment / release (exact value). */
  readonly environment?: string | undefined;
  readonly release?: string | undefined;
  readonly sort: SortField;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** Only groups after this position (the previous page's last one; without a service: the group's own). */
  readonly after?: Position | undefined;
  /** Groups of several services: the next position names the service too. */
  readonly acrossServices?: boolean;
}

export interface ListPage {
  readonly items: HubGroup[];
  /** Groups matching the filters, over all pages. */
  readonly total: number;
  /** Where the next page starts; null on the last page. */
  readonly next: Position | null;
}

export function sortValue(g: HubGroup, sort: SortField): number {
  return sort === 'count' ? g.total : sort === 'last_seen' ? g.lastSeen : g.createdAt;
}

/** unresolved = every group not resolved, regressed ones included. */
function statusMatches(g: HubGroup, status: StatusFilter): boolean {
  if (status === 'all') return true;
  const s = statusOf(g);
  return status === 'unresolved' ? s !== 'resolved' : s === status;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One page of groups (a service's, or every service's): filtered by status, severity and search
 * terms, ordered by the sort value (ties by service, then key, ascending, in both orders), starting
 * after `after`. One pass over the groups:
 * the page is kept in a bounded heap, so a page costs O(n log limit), never a sort of everything.
 */
export function listErrors(groups: Iterable<HubGroup>, options: ListOptions): ListPage {
  return listErrorsOf([groups], options);
}

/** Groups a cooperative list reads between two turns of the event loop. */
export const LIST_SLICE = 20_000;

/**
 * listErrors over several collections at once (every service's groups), read with nested loops:
 * a generator chaining them costs several times the loop itself at 100,000 groups.
 */
export function listErrorsOf(parts: Iterable<Iterable<HubGroup>>, options: ListOptions): ListPage {
  const page = new PageCollector(options);
  for (const groups of parts) for (const g of groups) page.consider(g);
  return page.result();
}

/**
 * listErrorsOf that gives the event loop back every `slice` groups, so a search over a million
 * groups does not hold merges and acks for its whole pass. Groups may change between slices: each is
 * ranked by its values when read (a page as of its reading, never a broken order).
 */
export async function listErrorsCooperatively(parts: Iterable<Iterable<HubGroup>>, options: ListOptions, slice = LIST_SLICE): Promise<ListPage> {
  const page = new PageCollector(options);
  let read = 0;
  for (const groups of parts) {
    for (const g of groups) {
      page.consider(g);
      if (++read % slice === 0) await yieldToLoop();
    }
  }
  return page.result();
}

/** A group ranked by the values it had when read. */
interface Ranked {
  readonly g: HubGroup;
  readonly value: number;
  readonly service: string;
  readonly key: string;
}

/** One pass of a list: filters each group offered and keeps the page in a bounded heap. */
class PageCollector {
  private readonly heap: PageHeap<Ranked>;
  private readonly compare: (va: number, sa: string, ka: string, vb: number, sb: string, kb: string) => number;
  private total = 0;
  private beyond = 0;

  constructor(private readonly options: ListOptions) {
    const sign = options.order === 'asc' ? 1 : -1;
    /** Negative when (va, sa, ka) comes first. */
    this.compare = (va, sa, ka, vb, sb, kb) => (va !== vb ? sign * (va - vb) : sa !== sb ? byText(sa, sb) : byText(ka, kb));
    this.heap = new PageHeap<Ranked>(options.limit, (a, b) => this.compare(a.value, a.service, a.key, b.value, b.service, b.key));
  }

  consider(g: HubGroup): void {
    const { sort, after, terms, severity, status, environment, release } = this.options;
    if (severity !== undefined && g.severity !== severity) return;
    if (!statusMatches(g, status)) return;
    if (environment !== undefined && !hasTagValue(g, 'e', environment)) return;
    if (release !== undefined && !hasTagValue(g, 'r', release)) return;
    if (!matchesSearch(g, terms)) return;
    this.total++;
    const value = sortValue(g, sort);
    if (after !== undefined && this.compare(value, g.service, g.key, after.value, after.service ?? g.service, after.key) <= 0) return;
    this.beyond++;
    this.heap.offer({ g, value, service: g.service, key: g.key });
  }

  result(): ListPage {
    const ranked = this.heap.sorted();
    const last = ranked[ranked.length - 1];
    const next = this.beyond > this.options.limit && last !== undefined
      ? { value: last.value, key: last.key, ...(this.options.acrossServices === true ? { service: last.service } : {}) }
      : null;
    return { items: ranked.map((r) => r.g), total: this.total, next };
  }
}

/** The `size` first items by `compare`, kept in a max-heap whose root is the worst one kept. */
class PageHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly size: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    const { items } = this;
    if (items.length < this.size) {
      items.push(item);
      this.up(items.length - 1);
    } else if (this.compare(item, items[0] as T) < 0) {
      items[0] = item;
      this.down(0);
    }
  }

  sorted(): T[] {
    return this.items.slice().sort(this.compare);
  }

  private up(i: number): void {
    const { items } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i] as T, items[parent] as T) <= 0) return;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  private down(i: number): void {
    const { items } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < items.length && this.compare(items[l] as T, items[worst] as T) > 0) worst = l;
      if (r < items.length && this.compare(items[r] as T, items[worst] as T) > 0) worst = r;
      if (worst === i) return;
      [items[i], items[worst]] = [items[worst] as T, items[i] as T];
      i = worst;
    }
  }
}
