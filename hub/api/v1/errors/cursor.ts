import { z } from 'zod';
import { HttpError } from '../../../../common/http/http-error.js';

/**
 * Where a page ended: the sort value, service and key of its last group (service, then key, break
 * ties). `service` is set in cursors of the list over every service only: a service's own list
 * holds one service.
 */
export interface Position {
  readonly value: number;
  readonly key: string;
  readonly service?: string | undefined;
}

const CURSOR_VERSION = 1;
const CursorSchema = z.union([
  z.tuple([z.literal(CURSOR_VERSION), z.string(), z.string(), z.number().finite(), z.string()]),
  z.tuple([z.literal(CURSOR_VERSION), z.string(), z.string(), z.number().finite(), z.string(), z.string()]),
]);

/** Which list a cursor pages: one service's (`GET /api/v1/services/{name}/errors`) or every service's (`GET /api/v1/errors`). */
export type CursorScope = 'service' | 'all';

/**
 * An opaque cursor: base64url of `[1, sort, order, value, key]`, plus the service for the list over
 * every service. Keyset pagination: the next page
 * holds the groups that sort after this position, so a page never repeats or skips a group whose
 * sort value did not change while the user paged.
 */
export function encodeCursor(sort: string, order: string, at: Position): string {
  const tuple = at.service === undefined ? [CURSOR_VERSION, sort, order, at.value, at.key] : [CURSOR_VERSION, sort, order, at.value, at.key, at.service];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

/** The position in a cursor made for this sort, order and scope; a 400 otherwise. */
export function decodeCursor(cursor: string, sort: string, order: string, scope: CursorScope = 'service'): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_cursor', 'the cursor is not one this API made; start again without it');
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) throw new HttpError(400, 'bad_cursor', 'the cursor is not one this API made; start again without it');
  const [, cursorSort, cursorOrder, value, key, service] = result.data;
  if ((service === undefined) !== (scope === 'service')) {
    throw new HttpError(400, 'bad_cursor', `the cursor was made for ${service === undefined ? "one service's list" : 'the list over every service'}; start again without it`);
  }
  if (cursorSort !== sort || cursorOrder !== order) {
    throw new HttpError(400, 'bad_cursor', `the cursor was made for sort=${cursorSort}&order=${cursorOrder}; start again without it`);
  }
  return { value, key, service };
}
