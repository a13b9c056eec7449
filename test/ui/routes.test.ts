import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lenientDecode } from '../../ui/src/routing/decode.js';
import { DEFAULT_FLEET, DEFAULT_OVERVIEW, OVERVIEW_SORTS } from '../../ui/src/routing/list-state.js';
import { DEFAULT_FILTERS, formatHash, parseHash, type Route } from '../../ui/src/routing/routes.js';

const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
const filters = fc.record({
  q: fc.string({ maxLength: 30 }),
  severity: fc.constantFrom('', 'info', 'warning', 'error') as fc.Arbitrary<'' | 'info' | 'warning' | 'error'>,
  status: fc.constantFrom('unresolved', 'resolved', 'regressed', 'all') as fc.Arbitrary<'unresolved' | 'resolved' | 'regressed' | 'all'>,
  sort: fc.constantFrom('count', 'last_seen', 'created_at') as fc.Arbitrary<'count' | 'last_seen' | 'created_at'>,
  order: fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'>,
});

describe('parseHash', () => {
  it('opens the views Periskop links to', () => {
    expect(parseHash('')).toEqual({ view: 'overview', list: DEFAULT_OVERVIEW });
    expect(parseHash('#/')).toEqual({ view: 'overview', list: DEFAULT_OVERVIEW });
    expect(parseHash('#/targets')).toEqual({ view: 'fleet', fleet: DEFAULT_FLEET });
    expect(parseHash('#/checkout')).toEqual({ view: 'service', service: 'checkout', filters: DEFAULT_FILTERS });
    expect(parseHash('#/checkout/errors/java.lang.NullPointerException%40abc')).toEqual({ view: 'error', service: 'checkout', key: 'java.lang.NullPointerException@abc' });
  });

  it('opens a deep link whose key holds a slash, percent, hash, space, question mark and unicode', () => {
    const key = 'db/conn 100% #1 – ünïcødé ✓ ?x=1';
    expect(parseHash(`#/shop/errors/${encodeURIComponent(key)}`)).toEqual({ view: 'error', service: 'shop', key });
  });

  it('takes everything after errors/ as the key in a hand-written link that did not encode it', () => {
    expect(parseHash('#/shop/errors/a/b?c#d')).toEqual({ view: 'error', service: 'shop', key: 'a/b?c#d' });
    expect(parseHash('#/shop/errors/100% sure')).toEqual({ view: 'error', service: 'shop', key: '100% sure' });
  });

  it('reads list filters from the query and ignores unknown values', () => {
    expect(parseHash('#/shop?q=time%20out&severity=warning&status=all&sort=count&order=asc')).toEqual({
      view: 'service',
      service: 'shop',
      filters: { q: 'time out', severity: 'warning', status: 'all', sort: 'count', order: 'asc' },
    });
    expect(parseHash('#/shop?severity=fatal&sort=<x>')).toEqual({ view: 'service', service: 'shop', filters: DEFAULT_FILTERS });
  });

  it('accepts a trailing slash or errors/ after a service', () => {
    for (const hash of ['#/shop/', '#/shop/errors', '#/shop/errors/']) expect(parseHash(hash)).toEqual({ view: 'service', service: 'shop', filters: DEFAULT_FILTERS });
  });

  it('answers not-found for paths it does not know', () => {
    expect(parseHash('#/shop/settings')).toEqual({ view: 'not-found', hash: '#/shop/settings' });
  });

  it('gives back every error route it formats, whatever the service and key', () => {
    fc.assert(
      fc.property(name, fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }), (service, key) => {
        const route: Route = { view: 'error', service, key };
        expect(parseHash(formatHash(route))).toEqual(route);
      }),
    );
  });

  it('gives back every service route it formats, filters included', () => {
    fc.assert(
      fc.property(name, filters, (service, f) => {
        const route: Route = { view: 'service', service, filters: f };
        expect(parseHash(formatHash(route))).toEqual(route);
      }),
    );
  });

  it('reaches a service called "targets" with a trailing slash, since #/targets is the fleet', () => {
    const route: Route = { view: 'service', service: 'targets', filters: DEFAULT_FILTERS };
    expect(formatHash(route)).toBe('#/targets/');
    expect(parseHash(formatHash(route))).toEqual(route);
  });

  it("keeps the overview's filter and sort and the fleet's filter and open services in the address", () => {
    expect(parseHash('#/?q=pay&sort=occurrences&order=desc')).toEqual({ view: 'overview', list: { q: 'pay', sort: 'occurrences', order: 'desc' } });
    expect(parseHash('#/?sort=<x>&order=up')).toEqual({ view: 'overview', list: DEFAULT_OVERVIEW });
    expect(parseHash('#/targets?q=refused&open=shop&open=a%2Fb&open=shop')).toEqual({ view: 'fleet', fleet: { q: 'refused', open: ['shop', 'a/b'] } });
    const list = fc.record({ q: fc.string({ maxLength: 30 }), sort: fc.constantFrom(...OVERVIEW_SORTS), order: fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'> });
    fc.assert(fc.property(list, (l) => {
      expect(parseHash(formatHash({ view: 'overview', list: l }))).toEqual({ view: 'overview', list: l });
    }));
    fc.assert(fc.property(fc.string({ maxLength: 30 }), fc.uniqueArray(name, { maxLength: 4 }), (q, open) => {
      expect(parseHash(formatHash({ view: 'fleet', fleet: { q, open } }))).toEqual({ view: 'fleet', fleet: { q, open } });
    }));
  });

  it('reaches the filtered list of a service called "targets" too', () => {
    const route: Route = { view: 'service', service: 'targets', filters: { ...DEFAULT_FILTERS, q: 'x' } };
    expect(formatHash(route)).toBe('#/targets/?q=x');
    expect(parseHash(formatHash(route))).toEqual(route);
  });

  it('gives back search routes', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (q) => {
      expect(parseHash(formatHash({ view: 'search', q }))).toEqual({ view: 'search', q });
    }));
  });
});

describe('lenientDecode', () => {
  it('decodes what encodeURIComponent encoded', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(lenientDecode(encodeURIComponent(s))).toBe(s);
    }));
  });

  it('keeps stray percent signs and invalid escapes as written, never throwing', () => {
    expect(lenientDecode('100%')).toBe('100%');
    expect(lenientDecode('50%%20off %zz')).toBe('50% off %zz');
    expect(lenientDecode('%E2%9C%93 ok %E2%9C')).toBe('✓ ok %E2%9C');
    fc.assert(fc.property(fc.string(), (s) => void lenientDecode(s)));
  });
});
