import { LRUCache } from 'lru-cache';
import type { Occurrence } from '../../common/occurrence.js';
import { HEADLINE_MESSAGE_CHARS, type HubGroup } from './group.js';
import { InternTable } from './intern.js';
import { sampleBytes } from './sample-size.js';
import { SEARCH_TEXT_CHARS } from './search-text.js';

export interface SampleStoreOptions {
  /** Global budget for samples and the search text built from them (hub.sample_budget_bytes). */
  readonly budgetBytes: number;
  /** Bytes of the intern table; default budget / 8, at most 64 MiB. */
  readonly internBytes?: number;
}

/**
 * Samples under a global byte budget (DESIGN section 3, rule 3): every group holding samples is charged
 * the approximate bytes of its samples plus its search text; when the sum passes the budget, the least
 * recently updated groups lose their samples first (their counts, dates, headline and series stay).
 * New samples are interned (identical stack traces and messages stored once). Owned by HubState;
 * lives as long as the process.
 */
export class SampleStore {
  readonly intern: InternTable;
  private readonly lru: LRUCache<HubGroup, number>;
  /** Samples held by all groups. */
  samples = 0;
  /** Groups whose samples the budget took, since start. */
  evictions = 0;

  constructor(readonly options: SampleStoreOptions) {
    this.intern = new InternTable(options.internBytes ?? Math.min(64 * 1024 * 1024, Math.floor(options.budgetBytes / 8)));
    this.lru = new LRUCache<HubGroup, number>({
      maxSize: options.budgetBytes,
      sizeCalculation: (charge) => charge,
      dispose: (_charge, group, reason) => {
        if (reason === 'evict') this.dropSamples(group);
      },
    });
  }

  /** Bytes charged now (at most the budget). */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** Groups holding samples. */
  get groups(): number {
    return this.lru.size;
  }

  /**
   * After a merge changed `group.samples` (from `before`): interns the new samples, updates the
   * headline, invalidates the search text and charges the group as most recently updated. Returns the
   * new samples as the group now holds them (interned copies), newest first.
   */
  samplesChanged(group: HubGroup, before: readonly Occurrence[]): readonly Occurrence[] {
    const after = group.samples;
    let replaced: Occurrence[] | undefined;
    const added: Occurrence[] = [];
    for (let i = 0; i < after.length; i++) {
      const s = after[i] as Occurrence;
      if (before.includes(s)) continue;
      replaced ??= after.slice();
      const interned = this.intern.occurrence(s);
      replaced[i] = interned;
      added.push(interned);
    }
    if (replaced !== undefined) group.samples = replaced;
    const newest = group.samples[0];
    if (newest !== undefined && newest !== before[0]) group.headline = headlineOf(newest);
    if (group.samples.length > 0) group.samplesEvicted = false;
    this.samples += group.samples.length - before.length;
    group.searchText = null;
    this.charge(group);
    // The charge may have cut the list (a group larger than the whole budget).
    return added.filter((s) => group.samples.includes(s));
  }

  /**
   * Takes groups loaded from a snapshot, least recently updated first, so eviction order survives a
   * restart. Their samples are already shared as they were when saved.
   */
  adopt(groups: readonly HubGroup[]): void {
    for (const group of groups) {
      if (group.samples.length === 0) continue;
      this.samples += group.samples.length;
      if (group.headline === null) group.headline = headlineOf(group.samples[0] as Occurrence);
      this.charge(group);
    }
  }

  private charge(group: HubGroup): void {
    if (group.samples.length === 0) {
      this.lru.delete(group);
      return;
    }
    let charge = chargeOf(group);
    if (charge > this.options.budgetBytes && group.samples.length > 1) {
      // One group larger than the whole budget keeps only its newest sample.
      this.samples -= group.samples.length - 1;
      group.samples = group.samples.slice(0, 1);
      group.searchText = null;
      charge = chargeOf(group);
    }
    if (charge > this.options.budgetBytes) {
      this.lru.delete(group);
      this.dropSamples(group);
      return;
    }
    this.lru.set(group, charge);
  }

  private dropSamples(group: HubGroup): void {
    if (group.samples.length === 0) return;
    this.samples -= group.samples.length;
    this.evictions++;
    group.samples = [];
    group.samplesEvicted = true;
    group.searchText = null;
  }
}

function headlineOf(o: Occurrence): { class: string; message: string } {
  const top = o.chain[0];
  if (top === undefined) return { class: '', message: '' };
  return { class: top.class, message: top.message.length > HEADLINE_MESSAGE_CHARS ? top.message.slice(0, HEADLINE_MESSAGE_CHARS) : top.message };
}

/**
 * What a held sample adds to its group's charge, computed once: a held sample never changes, and a
 * group's charge is computed again on every change of its samples (every sample, not only the new
 * ones). `text`: its classes, messages and URL; its stack traces are counted per group (shared ones once).
 */
interface SampleCharge {
  readonly bytes: number;
  readonly text: number;
}

const chargeOfSample = new WeakMap<Occurrence, SampleCharge>();
/** Characters of each stack trace's lines (interned traces are shared by many samples). */
const stackText = new WeakMap<readonly string[], number>();

function sampleCharge(o: Occurrence): SampleCharge {
  let c = chargeOfSample.get(o);
  if (c === undefined) {
    let text = o.http === null ? 0 : o.http.url.length + 1;
    for (const d of o.chain) text += d.class.length + d.message.length + 2;
    c = { bytes: sampleBytes(o), text };
    chargeOfSample.set(o, c);
  }
  return c;
}

function linesText(lines: readonly string[]): number {
  let n = stackText.get(lines);
  if (n === undefined) {
    n = 0;
    for (const line of lines) n += line.length + 1;
    stackText.set(lines, n);
  }
  return n;
}

/**
 * A group's charge: its samples' bytes plus an upper bound of its search text (key, classes,
 * messages, URLs, and the lines of each distinct stack trace, at most SEARCH_TEXT_CHARS).
 */
function chargeOf(group: HubGroup): number {
  let bytes = 0;
  let text = group.key.length;
  // Distinct stack traces: a short list is cheaper than a set; a set past that (long cause chains).
  const stacks: (readonly string[])[] = [];
  let many: Set<readonly string[]> | undefined;
  for (const o of group.samples) {
    const c = sampleCharge(o);
    bytes += c.bytes;
    text += c.text;
    for (const d of o.chain) {
      const st = d.stacktrace;
      if (st === null || (many !== undefined ? many.has(st) : stacks.includes(st))) continue;
      if (many !== undefined) many.add(st);
      else if (stacks.push(st) > 32) many = new Set(stacks);
      text += linesText(st);
    }
  }
  return bytes + Math.min(text, SEARCH_TEXT_CHARS) + 32;
}
