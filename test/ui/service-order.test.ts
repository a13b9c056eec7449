import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceSummary } from '../../common/api/v1.js';
import { OVERVIEW_SORTS } from '../../ui/src/routing/list-state.js';
import { openOccurrences, orderServices } from '../../ui/src/views/lists/service-order.js';

function service(name: string, errors: number, warnings: number, occurrences: number, lastSeen: string | null): ServiceSummary {
  const series = { start: '2024-01-01T00:00:00.000Z', step_ms: 60_000, values: [] };
  return {
    name, open_errors: errors + warnings, regressed_errors: 0, resolved_errors: 0, groups: errors + warnings,
    counts: { error: occurrences, warning: 0, info: 0 }, groups_by_severity: { error: errors, warning: warnings, info: 0 },
    total_count: occurrences, last_seen: lastSeen, sparkline: series,
  };
}

const items = [
  service('payments', 3, 0, 5_500_000, '2024-01-01T10:00:00.000Z'),
  service('checkout', 3, 9, 12, '2024-01-01T12:00:00.000Z'),
  service('search', 40, 0, 700, null),
  service('Auth', 0, 2, 0, '2024-01-01T11:00:00.000Z'),
];
const names = (list: ServiceSummary[]): string[] => list.map((s) => s.name);

describe("the overview's order and filter", () => {
  it('sorts by name, open errors by severity, occurrences and last seen, either way', () => {
    expect(names(orderServices(items, { q: '', sort: 'name', order: 'asc' }))).toEqual(['Auth', 'checkout', 'payments', 'search']);
    expect(names(orderServices(items, { q: '', sort: 'open', order: 'desc' }))).toEqual(['search', 'checkout', 'payments', 'Auth']);
    expect(names(orderServices(items, { q: '', sort: 'occurrences', order: 'desc' }))).toEqual(['payments', 'search', 'checkout', 'Auth']);
    expect(names(orderServices(items, { q: '', sort: 'last_seen', order: 'desc' }))).toEqual(['checkout', 'Auth', 'payments', 'search']);
    expect(names(orderServices(items, { q: '', sort: 'last_seen', order: 'asc' }))).toEqual(['search', 'payments', 'Auth', 'checkout']);
  });

  it('keeps services whose name holds the filter, in any case', () => {
    expect(names(orderServices(items, { q: ' AU ', sort: 'name', order: 'asc' }))).toEqual(['Auth']);
    expect(names(orderServices(items, { q: 'zzz', sort: 'name', order: 'asc' }))).toEqual([]);
  });

  it('gives a permutation, ordered, with ties broken by name', () => {
    const arb = fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), e: fc.nat(5), o: fc.nat(5) }), { maxLength: 30 })
      .map((list) => [...new Map(list.map((r) => [r.name, service(r.name, r.e, 0, r.o, null)])).values()]);
    fc.assert(fc.property(arb, fc.constantFrom(...OVERVIEW_SORTS), fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'>, (list, sort, order) => {
      const out = orderServices(list, { q: '', sort, order });
      expect([...names(out)].sort()).toEqual([...names(list)].sort());
      if (sort === 'occurrences') {
        for (let i = 1; i < out.length; i++) {
          const d = openOccurrences(out[i - 1] as ServiceSummary) - openOccurrences(out[i] as ServiceSummary);
          expect(order === 'desc' ? d >= 0 : d <= 0).toBe(true);
        }
      }
    }));
  });
});
