import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../../common/severity.js';
import { decodeCursor, encodeCursor, type Position } from '../../../../hub/api/v1/errors/cursor.js';
import { listErrorsOf, type SortField, sortValue } from '../../../../hub/api/v1/errors/list.js';
import type { HubGroup } from '../../../../hub/state/group.js';

function group(service: string, key: string, total: number, lastSeen: number, message: string): HubGroup {
  return {
    service, key, severity: 'error' as Severity, createdAt: 0, lastSeen, counts: new Map([[1, total]]), total, samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: { class: 'C', message }, samplesEvicted: false, series: null, searchText: null,
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('listErrors over every service (GET /api/v1/errors)', () => {
  it('pages through every matching group of every service exactly once, ties by service then key (property)', () => {
    const spec = fc.record({
      service: fc.constantFrom('a', 'b', 'checkout', 'b\u0000x'),
      key: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'x\u0000'),
      total: fc.integer({ min: 0, max: 3 }),
      lastSeen: fc.integer({ min: 0, max: 3 }),
      message: fc.constantFrom('db timeout', 'null pointer'),
    });
    fc.assert(fc.property(
      fc.uniqueArray(spec, { selector: (s) => `${s.service}/${s.key}`, maxLength: 20 }),
      fc.constantFrom<SortField>('count', 'last_seen'),
      fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom<string[]>([], ['timeout']),
      (specs, sort, order, limit, terms) => {
        const groups = specs.map((s) => group(s.service, s.key, s.total, s.lastSeen, s.message));
        // As the route passes them: one collection per service.
        const byService = new Map<string, HubGroup[]>();
        for (const g of groups) byService.set(g.service, [...(byService.get(g.service) ?? []), g]);
        const seen: string[] = [];
        let after: Position | undefined;
        for (let i = 0; i < 100; i++) {
          const page = listErrorsOf(byService.values(), { terms, status: 'all', sort, order, limit, after, acrossServices: true });
          seen.push(...page.items.map((g) => `${g.service}/${g.key}`));
          if (page.next === null) break;
          expect(page.next.service).toBeDefined();
          after = decodeCursor(encodeCursor(sort, order, page.next), sort, order, 'all');
        }
        const sign = order === 'asc' ? 1 : -1;
        const expected = groups
          .filter((g) => terms.every((t) => g.headline?.message.includes(t) === true || g.key.includes(t)))
          .sort((x, y) => sign * (sortValue(x, sort) - sortValue(y, sort)) || byText(x.service, y.service) || byText(x.key, y.key))
          .map((g) => `${g.service}/${g.key}`);
        expect(seen).toEqual(expected);
      },
    ));
  });

  it('refuses a cursor of a service list for the list over every service, and the other way round', () => {
    const forService = encodeCursor('count', 'desc', { value: 1, key: 'k' });
    const forAll = encodeCursor('count', 'desc', { value: 1, key: 'k', service: 's' });
    expect(() => decodeCursor(forService, 'count', 'desc', 'all')).toThrow(/one service's list/);
    expect(() => decodeCursor(forAll, 'count', 'desc', 'service')).toThrow(/every service/);
    expect(decodeCursor(forAll, 'count', 'desc', 'all')).toEqual({ value: 1, key: 'k', service: 's' });
    expect(decodeCursor(forService, 'count', 'desc')).toEqual({ value: 1, key: 'k', service: undefined });
  });
});
