import { LRUCache } from 'lru-cache';
import { InternTable } from '../../common/intern/intern-table.js';
import type { Occurrence } from '../../common/occurrence.js';
import { HEADLINE_MESSAGE_CHARS, type HubGroup } from './group.js';
import { sampleBytes } from './sample-size.js';
import { SEARCH_TEXT_CHARS } from './search-text.js';

export interface SampleStoreOptions {
  /** Global budget for samples and the search text built from them (hub.sample_budget_bytes). */
  readonly budgetBytes: number;
  /** Bytes of the intern table; default budget / 8, at most 64 MiB (at least 2 KiB either way). */
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
  private readonly lru: LRUCache<HubGroup, GroupCharge>;
  /** Samples held by all groups. */
  samples = 0;
  /** Groups whose samples the budget took, since start. */
  evictions = 0;

  constructor(readonly options: SampleStoreOptions) {
    // Strings of 16 characters and more, whole stack traces; at least 1 KiB for each.
    const internBytes = Math.max(2048, options.internBytes ?? Math.min(64 * 1024 * 1024, Math.floor(options.budgetBytes / 8)));
    this.intern = new InternTable({ maxEntries: Number.POSITIVE_INFINITY, maxBytes: internBytes, minLength: 16, stacks: true });
    this.lru = new LRUCache<HubGroup, GroupCharge>({
      maxSize: options.budgetBytes,
      sizeCalculation: chargeBytes,
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
   * After a merge changed `group.samples` (from `before`, adding `added`): interns the new samples,
   * updates the headline, invalidates the search text and charges the group as most recently updated.
   * Returns the new samples as the group now holds them (interned copies), newest first.
   */
  samplesChanged(group: HubGroup, before: readonly Occurrence[], added: readonly Occurrence[]): readonly Occurrence[] {
    let interned: readonly Occurrence[] = added;
    if (added.length > 0) {
      const replaced = group.samples.slice();
      interned = added.map((s) => {
        const copy = this.intern.occurrence(s);
        replaced[replaced.indexOf(s)] = copy;
        return copy;
      });
      group.samples = replaced;
    }
    const newest = group.samples[0];
    if (newest !== undefined && newest !== before[0]) group.headline = headlineOf(newest);
    if (group.samples.length > 0) group.samplesEvicted = false;
    this.samples += group.samples.length - before.length;
    group.searchText = null;
    const held = this.lru.peek(group);
    // Added samples are the newest kept, so what the change dropped is the oldest of `before`.
    this.charge(group, held === undefined ? undefined : chargeChange(held, group, before, before.slice(group.samples.length - interned.length), interned));
    // The charge may have cut the list (a group larger than the whole budget).
    return interned.filter((s) => group.samples.includes(s));
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

  /** A forgotten group: its samples leave the budget (the group object is dropped by the caller). */
  forget(group: HubGroup): void {
    this.lru.delete(group);
    this.samples -= group.samples.length;
  }

  /** Charges `group` as most recently updated; `known` is its charge when the caller worked it out. */
  private charge(group: HubGroup, known?: GroupCharge): void {
    if (group.samples.length === 0) {
      this.lru.delete(group);
      return;
    }
    let charge = known ?? chargeOf(group);
    if (chargeBytes(charge) > this.options.budgetBytes && group.samples.length > 1) {
      // One group larger than the whole budget keeps only its newest sample.
      this.samples -= group.samples.length - 1;
      group.samples = group.samples.slice(0, 1);
      group.searchText = null;
      charge = chargeOf(group);
    }
    if (chargeBytes(charge) > this.options.budgetBytes) {
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
 * A group's charge, in parts: its samples' bytes, and the characters of its search text without the
 * cap (key, classes, messages, URLs, and the lines of each distinct stack trace), so that a change of a
 * few samples can be charged from the parts it changed (`chargeChange`) instead of every sample again.
 */
interface GroupCharge {
  readonly bytes: number;
  readonly text: number;
}

/** The bytes a group is charged: its samples plus its search text, at most SEARCH_TEXT_CHARS. */
function chargeBytes(c: GroupCharge): number {
  return c.bytes + Math.min(c.text, SEARCH_TEXT_CHARS) + 32;
}

/** A group's charge computed from all its samples. */
function chargeOf(group: HubGroup): GroupCharge {
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
  return { bytes, text };
}

/**
 * The charge of `group` after a merge took its samples from `before` (charged `held`) to
 * `group.samples` by adding `added` and dropping `dropped`: the parts of the samples that came and
 * went, and the text of the stack traces that only they held (looked up in the short sample lists).
 * Equal to `chargeOf(group)` (a property test checks it).
 */
function chargeChange(held: GroupCharge, group: HubGroup, before: readonly Occurrence[], dropped: readonly Occurrence[], added: readonly Occurrence[]): GroupCharge {
  let { bytes, text } = held;
  for (const o of added) {
    const c = sampleCharge(o);
    bytes += c.bytes;
    text += c.text;
  }
  for (const o of dropped) {
    const c = sampleCharge(o);
    bytes -= c.bytes;
    text -= c.text;
  }
  // A trace is new when no sample before held it, gone when no sample after holds it; each counted once.
  text += tracesOnlyIn(added, before);
  text -= tracesOnlyIn(dropped, group.samples);
  return { bytes, text };
}

/** Text of the distinct stack traces of `samples` that no sample of `others` holds. */
function tracesOnlyIn(samples: readonly Occurrence[], others: readonly Occurrence[]): number {
  let text = 0;
  for (let i = 0; i < samples.length; i++) {
    for (const d of (samples[i] as Occurrence).chain) {
      const st = d.stacktrace;
      if (st === null || holdsTrace(others, st) || seenBefore(samples, i, d, st)) continue;
      text += linesText(st);
    }
  }
  return text;
}

function holdsTrace(samples: readonly Occurrence[], st: readonly string[]): boolean {
  for (const o of samples) for (const d of o.chain) if (d.stacktrace === st) return true;
  return false;
}

/** `st` appears earlier in `samples` (before sample `i`, or earlier in sample i's own chain than `detail`). */
function seenBefore(samples: readonly Occurrence[], i: number, detail: { stacktrace: readonly string[] | null }, st: readonly string[]): boolean {
  for (let j = 0; j < i; j++) for (const d of (samples[j] as Occurrence).chain) if (d.stacktrace === st) return true;
  for (const d of (samples[i] as Occurrence).chain) {
    if (d === detail) return false;
    if (d.stacktrace === st) return true;
  }
  return false;
}
