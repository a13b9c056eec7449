import { z } from 'zod';
import { HttpError } from '../../../../common/http/http-error.js';

/** Where a page ended: the sort value and key of its last group (keys break ties). */
export interface Position {
  readonly value: number;
  readonly key: string;
}

const CURSOR_VERSION = 1;
const CursorSchema = z.tuple([z.literal(CURSOR_VERSION), z.string(), z.string(), z.number().finite(), z.string()]);

/**
 * An opaque cursor: base64url of `[1, sort, order, value, key]`. Keyset pagination: the next page
 * holds the groups that sort after this position, so a page never repeats or skips a group whose
 * sort value did not change while the user paged.
 */
export function encodeCursor(sort: string, order: string, at: Position): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, sort, order, at.value, at.key]), 'utf8').toString('base64url');
}

/** The position in a cursor made for this sort and order; a 400 otherwise. */
export function decodeCursor(cursor: string, sort: string, order: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_cursor', 'the cursor is not one this API made; start again without it');
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) throw new HttpError(400, 'bad_cursor', 'the cursor is not one this API made; start again without it');
  const [, cursorSort, cursorOrder, value, key] = result.data;
  if (cursorSort !== sort || cursorOrder !== order) {
    throw new HttpError(400, 'bad_cursor', `the cursor was made for sort=${cursorSort}&order=${cursorOrder}; start again without it`);
  }
  return { value, key };
}
