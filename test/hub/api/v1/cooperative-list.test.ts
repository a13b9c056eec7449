import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../../common/severity.js';
import { listErrorsCooperatively, listErrorsOf, type SortField } from '../../../../hub/api/v1/errors/list.js';
import type { HubGroup } from '../../../../hub/state/group.js';

function group(service: string, key: string, total: number, lastSeen: number): HubGroup {
  return {
    service, key, severity: 'error' as Severity, createdAt: 0, lastSeen, counts: new Map([[1, total]]), total, samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: { class: 'C', message: key.includes('t') ? 'db timeout' : 'null pointer' }, samplesEvicted: false, series: null, searchText: null,
  };
}

describe('listErrorsCooperatively (a search over every service that takes turns with merges)', () => {
  it('answers the same page as the one-pass list for any slice size (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.record({ service: fc.constantFrom('a', 'b', 'c'), key: fc.string({ minLength: 1, maxLength: 3 }), total: fc.nat(5), lastSeen: fc.nat(5) }), { selector: (s) => `${s.service}/${s.key}`, maxLength: 40 }),
      fc.constantFrom<SortField>('count', 'last_seen', 'created_at'),
      fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 7 }),
      fc.constantFrom<string[]>([], ['timeout']),
      async (specs, sort, order, limit, slice, terms) => {
        const byService = new Map<string, HubGroup[]>();
        for (const s of specs) byService.set(s.service, [...(byService.get(s.service) ?? []), group(s.service, s.key, s.total, s.lastSeen)]);
        const options = { terms, status: 'all' as const, sort, order, limit, acrossServices: true };
        const cooperative = await listErrorsCooperatively(byService.values(), options, slice);
        expect(cooperative).toEqual(listErrorsOf(byService.values(), options));
      },
    ));
  });

  it('gives the event loop back between slices, so work queued meanwhile runs before the answer', async () => {
    const groups = Array.from({ length: 10 }, (_, i) => group('a', `k${i}`, i, i));
    const order: string[] = [];
    const listed = listErrorsCooperatively([groups], { terms: [], status: 'all', sort: 'count', order: 'desc', limit: 3 }, 2).then((page) => {
      order.push('answered');
      return page;
    });
    setImmediate(() => order.push('merge ran'));
    const page = await listed;
    expect(order).toEqual(['merge ran', 'answered']);
    expect(page.items.map((g) => g.key)).toEqual(['k9', 'k8', 'k7']);
  });

  it('ranks a group by the values it had when read, even if it changes before the answer', async () => {
    const groups = Array.from({ length: 6 }, (_, i) => group('a', `k${i}`, i, i));
    const listed = listErrorsCooperatively([groups], { terms: [], status: 'all', sort: 'count', order: 'desc', limit: 6 }, 2);
    // A merge between two slices raises a group already read.
    setImmediate(() => ((groups[0] as HubGroup).total = 100));
    const page = await listed;
    expect(page.items.map((g) => g.key)).toEqual(['k5', 'k4', 'k3', 'k2', 'k1', 'k0']);
    expect(page.total).toBe(6);
  });
});
