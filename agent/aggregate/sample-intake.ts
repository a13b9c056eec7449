import type { InternTable } from '../../common/intern/intern-table.js';
import { type Limits, truncate } from '../../common/limits.js';
import { mergeSamples } from '../../common/merge/samples.js';
import type { Occurrence } from '../../common/occurrence.js';
import { parseTimestamp } from '../../common/time.js';
import { parseRawOccurrence, rawSampleUuid, type TruncationNotes } from '../wire/client-payload.js';
import type { AgentGroup } from './group.js';

/**
 * New samples into the agent's groups: parses only raw samples a group does not hold and could keep
 * (a known uuid, or one older than a full group's oldest, is skipped unparsed), interns them, and marks
 * each new one with its arrival order, so links ship the samples above what their hub acknowledged.
 * Owned by the Aggregator; lives as long as it.
 */
export class SampleIntake {
  private readonly marks = new WeakMap<Occurrence, number>();
  private mark = 0;

  constructor(
    private readonly interner: InternTable,
    private readonly samplesPerGroup: number,
    private readonly limits: Limits,
  ) {}

  /** Takes what `raws` adds to `group`; `newest` is the newest timestamp seen (kept or not). */
  take(group: AgentGroup, raws: readonly unknown[], notes: TruncationNotes): { added: number; invalid: number; newest: number } {
    const cap = this.samplesPerGroup;
    let fresh: Occurrence[] | undefined;
    let invalid = 0;
    let newest = 0;
    const oldestHeld = group.samples.length >= cap ? group.samples[group.samples.length - 1] : undefined;
    for (const raw of raws) {
      const rawUuid = rawSampleUuid(raw);
      if (rawUuid === undefined) {
        invalid++;
        continue;
      }
      const uuid = truncate(rawUuid, this.limits.uuidChars);
      if (group.samples.some((s) => s.uuid === uuid)) continue;
      if (oldestHeld !== undefined) {
        const ts = parseTimestamp((raw as { timestamp?: unknown }).timestamp);
        if (ts < oldestHeld.timestamp) {
          newest = Math.max(newest, ts);
          continue;
        }
      }
      const parsed = parseRawOccurrence(raw, this.limits, notes);
      if (parsed === undefined) {
        invalid++;
        continue;
      }
      const occurrence = this.interner.occurrence(parsed);
      newest = Math.max(newest, occurrence.timestamp);
      (fresh ??= []).push(occurrence);
    }
    if (fresh === undefined) return { added: 0, invalid, newest };
    const before = group.samples;
    group.samples = mergeSamples(before, fresh, cap);
    let added = 0;
    if (group.samples !== before) {
      for (const s of group.samples) {
        if (before.includes(s)) continue;
        added++;
        this.marks.set(s, ++this.mark);
      }
    }
    return { added, invalid, newest };
  }

  /** The arrival mark of a held sample (0 for samples loaded from state_dir). */
  markOf(sample: Occurrence): number {
    return this.marks.get(sample) ?? 0;
  }

  /** The mark of the newest sample so far. */
  get current(): number {
    return this.mark;
  }
}
