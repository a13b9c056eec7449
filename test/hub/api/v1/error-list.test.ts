import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../../common/severity.js';
import { decodeCursor, encodeCursor, type Position } from '../../../../hub/api/v1/errors/cursor.js';
import { listErrors, type ListOptions, type SortField, sortValue } from '../../../../hub/api/v1/errors/list.js';
import type { HubGroup } from '../../../../hub/state/group.js';
import { statusOf } from '../../../../hub/state/group.js';

function group(key: string, total: number, lastSeen: number, createdAt: number, severity: Severity, status: 'unresolved' | 'resolved' | 'regressed', message = ''): HubGroup {
  return {
    service: 's', key, severity, createdAt, lastSeen, counts: new Map([[1, total]]), total, samples: [],
    resolution: status === 'resolved' ? { at: 1, total } : null, regressedAt: status === 'regressed' ? 5 : 0, updatedAt: 0,
    headline: { class: 'C', message }, samplesEvicted: false, series: null, searchText: null,
  };
}

/** Every page, following next_cursor, as one list of keys. */
function allPages(groups: HubGroup[], options: Omit<ListOptions, 'after'>): { keys: string[]; totals: number[] } {
  const keys: string[] = [];
  const totals: number[] = [];
  let after: Position | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = listErrors(groups, { ...options, after });
    keys.push(...result.items.map((g) => g.key));
    totals.push(result.total);
    if (result.next === null) return { keys, totals };
    // Through the wire form, as a client would.
    after = decodeCursor(encodeCursor(options.sort, options.order, result.next), options.sort, options.order);
  }
  throw new Error('pagination did not end');
}

const groupArb = fc.record({
  key: fc.string({ minLength: 1, maxLength: 6 }),
  total: fc.integer({ min: 0, max: 5 }),
  lastSeen: fc.integer({ min: 0, max: 5 }),
  createdAt: fc.integer({ min: 0, max: 5 }),
  severity: fc.constantFrom<Severity>('info', 'warning', 'error'),
  status: fc.constantFrom<'unresolved' | 'resolved' | 'regressed'>('unresolved', 'resolved', 'regressed'),
  message: fc.constantFrom('', 'db timeout', 'Timeout in PAYMENT', 'null pointer'),
});

describe('listErrors', () => {
  it('pages through exactly the filtered groups in order, whatever the page size', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(groupArb, { selector: (g) => g.key, maxLength: 60 }),
        fc.constantFrom<SortField>('count', 'last_seen', 'created_at'),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<'unresolved' | 'resolved' | 'regressed' | 'all'>('unresolved', 'resolved', 'regressed', 'all'),
        fc.option(fc.constantFrom<Severity>('info', 'warning', 'error'), { nil: undefined }),
        fc.constantFrom<string[]>([], ['timeout'], ['timeout', 'payment']),
        (specs, sort, order, limit, status, severity, terms) => {
          const groups = specs.map((s) => group(s.key, s.total, s.lastSeen, s.createdAt, s.severity, s.status, s.message));
          const { keys, totals } = allPages(groups, { sort, order, limit, status, severity, terms });
          const sign = order === 'asc' ? 1 : -1;
          const expected = groups
            .filter((g) => (status === 'all' ? true : status === 'unresolved' ? statusOf(g) !== 'resolved' : statusOf(g) === status))
            .filter((g) => severity === undefined || g.severity === severity)
            .filter((g) => terms.every((t) => `${g.key}\n${g.headline?.message}`.toLowerCase().includes(t)))
            .sort((a, b) => sign * (sortValue(a, sort) - sortValue(b, sort)) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
            .map((g) => g.key);
          expect(keys).toEqual(expected);
          for (const t of totals) expect(t).toBe(expected.length);
        },
      ),
    );
  });

  it('neither repeats nor skips an unchanged group when others change between pages', () => {
    const groups = Array.from({ length: 10 }, (_, i) => group(`k${i}`, i * 10, 0, 0, 'error', 'unresolved'));
    const first = listErrors(groups, { terms: [], status: 'all', sort: 'count', order: 'desc', limit: 4 });
    expect(first.items.map((g) => g.key)).toEqual(['k9', 'k8', 'k7', 'k6']);
    // k9 (already shown) grows, k1 jumps ahead of the cursor, a new group appears at the end.
    (groups[9] as HubGroup).total = 1000;
    (groups[1] as HubGroup).total = 500;
    groups.push(group('new', 1, 0, 0, 'error', 'unresolved'));
    const second = listErrors(groups, { terms: [], status: 'all', sort: 'count', order: 'desc', limit: 4, after: first.next ?? undefined });
    expect(second.items.map((g) => g.key)).toEqual(['k5', 'k4', 'k3', 'k2']);
  });
});

describe('cursor', () => {
  it('refuses a cursor made for another sort or order', () => {
    const c = encodeCursor('count', 'desc', { value: 3, key: 'k' });
    expect(decodeCursor(c, 'count', 'desc')).toEqual({ value: 3, key: 'k' });
    expect(() => decodeCursor(c, 'last_seen', 'desc')).toThrow(/made for sort=count&order=desc/);
    expect(() => decodeCursor(c, 'count', 'asc')).toThrow(/made for/);
  });

  it('answers garbage with a 400, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          decodeCursor(s, 'count', 'desc');
        } catch (err) {
          expect(err).toMatchObject({ status: 400, code: 'bad_cursor' });
        }
      }),
    );
    expect(() => decodeCursor(Buffer.from('[1,"count","desc",1e999,"k"]').toString('base64url'), 'count', 'desc')).toThrow(/not one this API made/);
  });

  it('carries keys with any character', () => {
    const key = 'a/b%2F#?&😀\u0000"';
    expect(decodeCursor(encodeCursor('last_seen', 'asc', { value: 1, key }), 'last_seen', 'asc').key).toBe(key);
  });
});
