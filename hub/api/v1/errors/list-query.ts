import type { ErrorListQuery, ErrorListResponse } from '../../../../common/api/v1.js';
import { parseSearch } from '../../../state/search-text.js';
import { type CursorScope, decodeCursor, encodeCursor } from './cursor.js';
import type { ListOptions, ListPage } from './list.js';
import { toErrorSummary } from './presenter.js';

/**
 * What a v1 list query asks of listErrors: a service's list (`service`) or the list over every
 * service (`all`, whose cursors carry the service of the page's last group). Throws a 400 HttpError
 * for a cursor made for another sort, order or scope.
 */
export function listOptionsOf(query: ErrorListQuery, scope: CursorScope): ListOptions {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort, query.order, scope);
  return {
    terms: parseSearch(query.q), severity: query.severity, status: query.status, environment: query.environment, release: query.release,
    sort: query.sort, order: query.order, limit: query.limit, after, ...(scope === 'all' ? { acrossServices: true } : {}),
  };
}

/** A page as the API answers it, its cursor made for the query's sort and order; `now` for the sparklines. */
export function toErrorListResponse(page: ListPage, query: ErrorListQuery, now: number): ErrorListResponse {
  return {
    items: page.items.map((g) => toErrorSummary(g, now)),
    next_cursor: page.next === null ? null : encodeCursor(query.sort, query.order, page.next),
    total: page.total,
  };
}
