import { truncate } from '../../common/limits.js';

/**
 * Why part of an item was cut (the item itself is kept, marked with TRUNCATION_MARK); counted per
 * target and exposed in metrics, so an operator sees which target sends oversized errors.
 */
export type TruncationReason =
  | 'key_truncated'
  | 'samples_over_limit'
  | 'field_truncated'
  | 'stack_truncated'
  | 'cause_chain_truncated'
  | 'headers_truncated'
  /** Set by body readers: the body was not valid UTF-8 and was read with U+FFFD in place of bad bytes. */
  | 'invalid_utf8';

/** Truncations seen while parsing, by reason; the parsers add to it when one is passed. */
export type TruncationNotes = Partial<Record<TruncationReason, number>>;

export function note(notes: TruncationNotes | undefined, reason: TruncationReason, n = 1): void {
  if (notes !== undefined) notes[reason] = (notes[reason] ?? 0) + n;
}

/** `truncate`, counting a cut in `notes`. */
export function cut(value: string, max: number, notes: TruncationNotes | undefined, reason: TruncationReason = 'field_truncated'): string {
  if (value.length <= max) return value;
  note(notes, reason);
  return truncate(value, max);
}
