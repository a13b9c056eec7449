import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HubGroup } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { OccurrenceExposition } from '../../../hub/metrics/occurrences.js';
import { selectTop } from '../../../hub/metrics/top-k.js';

/** A state holding `n` groups over 10 services, group i last seen at i (so higher i is more recent). */
function stateWith(n: number): HubState {
  const state = new HubState({ samplesPerGroup: 1 });
  const a = state.lineages.intern('agent-a', 'e1', {}, []).id;
  const b = state.lineages.intern('agent-b', 'e1', {}, ['regional']).id;
  for (let i = 0; i < n; i++) {
    const g: HubGroup = {
      service: `svc-${i % 10}`, key: `key-${i}`, severity: i % 3 === 0 ? 'warning' : 'error', createdAt: 1, lastSeen: 1_000 + i,
      counts: new Map([[a, i], [b, 1]]), total: i + 1, samples: [], resolution: null, regressedAt: 0, updatedAt: 0,
      headline: null, samplesEvicted: false, series: null, searchText: null,
    };
    state.restoreGroup(g);
  }
  return state;
}

const seriesLines = (text: string) => text.split('\n').filter((l) => l.startsWith('periskop_error_occurrences{'));

describe('periskop_error_occurrences', () => {
  it('exposes every group when they fit, one series each, with the fleet-wide total', () => {
    const state = stateWith(30);
    const out = new OccurrenceExposition(state, { maxSeries: 100, sourceLabel: false }).render();
    expect(out.series).toBe(30);
    expect(out.dropped).toBe(0);
    expect(seriesLines(out.text)).toContain('periskop_error_occurrences{service_name="svc-3",severity="warning",aggregation_key="key-3"} 4');
    expect(out.text).toContain('# TYPE periskop_error_occurrences counter');
  });

  it('stays within max_series with 100,000 groups, keeping the most recently seen', () => {
    const state = stateWith(100_000);
    const out = new OccurrenceExposition(state, { maxSeries: 10_000, sourceLabel: false }).render();
    const lines = seriesLines(out.text);
    expect(lines).toHaveLength(10_000);
    expect(out).toMatchObject({ series: 10_000, dropped: 90_000 });
    const keys = new Set(lines.map((l) => /aggregation_key="([^"]+)"/.exec(l)?.[1]));
    expect(keys.has('key-99999')).toBe(true);
    expect(keys.has('key-90000')).toBe(true);
    expect(keys.has('key-89999')).toBe(false);
  });

  it('counts series, not groups, against max_series when a source label is added', () => {
    const state = stateWith(1_000);
    const out = new OccurrenceExposition(state, { maxSeries: 101, sourceLabel: true }).render();
    const lines = seriesLines(out.text);
    expect(lines.length).toBeLessThanOrEqual(101);
    expect(lines).toHaveLength(100);
    expect(out.dropped).toBe(950);
    // The child hub an agent came through is the source this hub sees.
    expect(lines.some((l) => l.includes('source="regional"'))).toBe(true);
    expect(lines.some((l) => l.includes('source="agent-a"'))).toBe(true);
  });

  it('keeps the chosen set between scrapes until it is due to be chosen again', () => {
    let now = 0;
    const state = stateWith(100);
    const exposition = new OccurrenceExposition(state, { maxSeries: 10, sourceLabel: false, reselectMs: 15_000, now: () => now });
    const first = seriesLines(exposition.render().text);
    const newest = state.group('svc-0', 'key-0') as HubGroup;
    newest.lastSeen = 1e9;
    newest.total = 777;
    state.version++;
    const second = seriesLines(exposition.render().text);
    expect(second.some((l) => l.includes('aggregation_key="key-0"'))).toBe(false);
    expect(second).toHaveLength(first.length);
    now += 15_000;
    expect(seriesLines(exposition.render().text)).toContain('periskop_error_occurrences{service_name="svc-0",severity="warning",aggregation_key="key-0"} 777');
  });

  it('escapes quotes, backslashes and newlines in keys', () => {
    const state = stateWith(0);
    const g: HubGroup = { ...(stateWith(1).group('svc-0', 'key-0') as HubGroup), key: 'a"b\\c\nd' };
    state.restoreGroup(g);
    expect(seriesLines(new OccurrenceExposition(state, { maxSeries: 5, sourceLabel: false }).render().text)[0]).toContain('aggregation_key="a\\"b\\\\c\\nd"');
  });
});

describe('selectTop', () => {
  it('puts the k smallest items first, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 })), fc.nat(60), (items, k) => {
        const copy = [...items];
        selectTop(copy, k, (a, b) => a - b);
        const expected = [...items].sort((a, b) => a - b).slice(0, Math.min(k, items.length));
        expect(copy.slice(0, Math.min(k, items.length)).sort((a, b) => a - b)).toEqual(expected);
        expect([...copy].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
      }),
    );
  });
});
