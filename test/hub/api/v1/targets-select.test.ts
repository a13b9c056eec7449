import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireTarget } from '../../../../common/federation/messages.js';
import { byHealth, healthMatcher, isFailing, perService, targetMatcher } from '../../../../hub/api/v1/targets/select.js';

const target = (service: string, url: string, up: boolean, last_error = '', agent = 'agent-1'): WireTarget => ({ service, url, agent, up, last_error, last_scrape: 1, duration_ms: 1, bytes: 1 });

describe('target selection for the Fleet view', () => {
  it('lists down targets first, then up ones with an error, then healthy ones', () => {
    const list = [target('a', 'u3', true), target('a', 'u2', true, 'slow'), target('b', 'u1', false, 'refused'), target('a', 'u1', false, 'refused')];
    expect([...list].sort(byHealth).map((t) => `${t.service}/${t.url}`)).toEqual(['a/u1', 'b/u1', 'a/u2', 'a/u3']);
  });

  it('matches text in service, URL, agent or error, ignoring case', () => {
    const t = target('Checkout', 'http://10.0.0.7:8080/errors', false, 'Connection REFUSED', 'eu-west-3');
    for (const q of ['checkout', '10.0.0.7', 'EU-WEST', 'refused', '  refused ', '']) expect(targetMatcher(q)(t)).toBe(true);
    expect(targetMatcher('search')(t)).toBe(false);
  });

  it('keeps targets by health', () => {
    const list = [target('a', 'up', true), target('a', 'warn', true, 'x'), target('a', 'down', false, 'y')];
    expect(list.filter(healthMatcher('up')).map((t) => t.url)).toEqual(['up', 'warn']);
    expect(list.filter(healthMatcher('down')).map((t) => t.url)).toEqual(['down']);
    expect(list.filter(healthMatcher('failing')).map((t) => t.url)).toEqual(['warn', 'down']);
    expect(list.filter(healthMatcher('ok')).map((t) => t.url)).toEqual(['up']);
    expect(list.filter(healthMatcher(undefined))).toHaveLength(3);
  });

  it('counts per service, lists at most the first failing targets, and puts services with failures first', () => {
    const list = [
      target('zeta', 'z1', false, 'refused'), target('zeta', 'z2', false, 'refused'), target('zeta', 'z3', true, 'slow'), target('zeta', 'z4', true),
      target('alpha', 'a1', true), target('beta', 'b1', true),
    ];
    const out = perService(list, 2);
    expect(out.map((s) => s.service)).toEqual(['zeta', 'alpha', 'beta']);
    expect(out[0]).toMatchObject({ up: 2, down: 2, failing: 3 });
    expect(out[0]?.failingTargets.map((t) => t.url)).toEqual(['z1', 'z2']);
    expect(out[1]).toMatchObject({ up: 1, down: 0, failing: 0, failingTargets: [] });
  });

  it('accounts for every target exactly once', () => {
    const arb = fc.array(fc.record({ service: fc.constantFrom('a', 'b', 'c'), url: fc.string(), up: fc.boolean(), err: fc.constantFrom('', 'e') }), { maxLength: 60 });
    fc.assert(fc.property(arb, (specs) => {
      const list = specs.map((s) => target(s.service, s.url, s.up, s.err));
      const out = perService(list, 5);
      expect(out.reduce((n, s) => n + s.up + s.down, 0)).toBe(list.length);
      expect(out.reduce((n, s) => n + s.failing, 0)).toBe(list.filter(isFailing).length);
      for (const s of out) expect(s.failingTargets.length).toBe(Math.min(5, s.failing));
    }));
  });
});
