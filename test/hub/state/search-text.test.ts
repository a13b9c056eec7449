import { describe, expect, it } from 'vitest';
import type { HubGroup } from '../../../hub/state/group.js';
import { buildSearchText, matchesSearch, parseSearch, SEARCH_TEXT_CHARS, warmSearchTexts } from '../../../hub/state/search-text.js';
import { occurrence } from '../../helpers/builders.js';

function group(overrides: Partial<HubGroup> = {}): HubGroup {
  return {
    service: 's', key: 'Checkout@1f', severity: 'error', createdAt: 0, lastSeen: 0, counts: new Map(), total: 0, samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: null, samplesEvicted: false, series: null, searchText: null, ...overrides,
  };
}

const withSample = group({
  headline: { class: 'java.net.SocketTimeoutException', message: 'Read timed out' },
  samples: [
    occurrence('u1', 1, {
      chain: [
        { class: 'java.net.SocketTimeoutException', message: 'Read timed out', stacktrace: ['at com.acme.PaymentClient.charge(PaymentClient.java:88)'] },
        { class: 'java.io.IOException', message: 'Connection reset by PEER', stacktrace: null },
      ],
      http: { method: 'POST', url: 'https://shop.example/checkout/pay', headers: null, body: '' },
    }),
  ],
});

describe('parseSearch', () => {
  it('splits words and keeps quoted phrases, lowercase and without repeats', () => {
    expect(parseSearch('  Timeout "DB pool"  timeout ')).toEqual(['timeout', 'db pool']);
    expect(parseSearch(undefined)).toEqual([]);
    expect(parseSearch('""  ')).toEqual([]);
  });
});

describe('matchesSearch', () => {
  const matches = (q: string, g = withSample) => matchesSearch({ ...g, searchText: null }, parseSearch(q));

  it('finds a group by key, class, message, cause, stack line and request URL, ignoring case', () => {
    for (const q of ['checkout@1F', 'sockettimeout', 'read TIMED', 'connection reset by peer', 'PaymentClient.java:88', 'shop.example/checkout/pay']) {
      expect(matches(q), q).toBe(true);
    }
  });

  it('needs every word to occur', () => {
    expect(matches('timeout payment')).toBe(true);
    expect(matches('timeout refund')).toBe(false);
  });

  it('still finds a group by key and headline after its samples were evicted', () => {
    const evicted = { ...withSample, samples: [], samplesEvicted: true };
    expect(matches('read timed out', evicted)).toBe(true);
    expect(matches('PaymentClient', evicted)).toBe(false);
  });

  it('caches the text until the group is changed', () => {
    const g = group();
    matchesSearch(g, ['x']);
    expect(g.searchText).toBe('checkout@1f');
  });

  it('cuts the text of a group with huge samples', () => {
    const huge = group({ samples: [occurrence('u', 1, { chain: [{ class: 'C', message: 'm', stacktrace: Array.from({ length: 5000 }, (_, i) => `frame ${i}`) }] })] });
    expect(buildSearchText(huge).length).toBeLessThanOrEqual(SEARCH_TEXT_CHARS);
  });
});

describe('warmSearchTexts', () => {
  it('builds the missing texts a few groups per turn of the event loop, and stops when told', async () => {
    const groups = new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, group({ key: `K${i}` })] as const));
    expect(await warmSearchTexts([groups], () => false, 3)).toBe(10);
    expect([...groups.values()].map((g) => g.searchText)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    const fresh = new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, group({ key: `K${i}` })] as const));
    expect(await warmSearchTexts([fresh], () => true, 3)).toBe(3);
  });
});
