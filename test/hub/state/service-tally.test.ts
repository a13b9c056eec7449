import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../common/severity.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { ServiceTally } from '../../../hub/state/service-tally.js';
import { wireGroup } from '../../helpers/builders.js';

/** The tally counted the slow way, from every group of the service. */
function recount(state: HubState, service: string): ServiceTally {
  const t = new ServiceTally();
  for (const g of state.services.get(service)?.values() ?? []) t.add(g);
  return t;
}

const figures = (t: ServiceTally) => ({
  groups: t.groups, open: t.open, regressed: t.regressed, resolved: t.resolved, total: t.total, counts: t.counts, bySeverity: t.groupsBySeverity,
});

const op = fc.oneof(
  fc.record({ t: fc.constant('merge' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), count: fc.nat(50), severity: fc.constantFrom<Severity>('info', 'warning', 'error'), lastSeen: fc.nat(1000) }),
  fc.record({ t: fc.constant('resolve' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ t: fc.constant('unresolve' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ t: fc.constant('forget' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ t: fc.constant('rollback' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
);

describe('service tally', () => {
  it('always equals a recount of the service\'s groups, whatever merges, resolves and forgets happened', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let now = 1_000;
        const state = new HubState({ samplesPerGroup: 3, now: () => now });
        const source = state.source('a', 'agent', 'e1');
        const own = state.lineages.intern('a', 'e1', {}, []).id;
        let seq = 0;
        for (const o of ops) {
          now += 10;
          const group = state.group('svc', o.key);
          if (o.t === 'merge') {
            state.mergeMessage(source, { t: 'delta', seq: ++seq, services: [{ name: 'svc', groups: [wireGroup(o.key, [[0, o.count]], { severity: o.severity, last_seen: o.lastSeen })] }], targets: [] }, (r) => (r === 0 ? own : undefined));
          } else if (o.t === 'resolve' && group !== undefined) {
            state.resolve('svc', o.key, { at: now, total: group.total });
          } else if (o.t === 'unresolve') {
            state.unresolve('svc', o.key);
          } else if (o.t === 'forget' && group !== undefined) {
            state.forget(group, 'retention');
          } else if (o.t === 'rollback' && group !== undefined) {
            state.setResolution(group, null, 5);
          }
          expect(figures(state.tally('svc'))).toEqual(figures(recount(state, 'svc')));
        }
        state.loaded();
        expect(figures(state.tally('svc'))).toEqual(figures(recount(state, 'svc')));
      }),
      { numRuns: 300 },
    );
  });
});
