import { describe, expect, it } from 'vitest';
import type { WireTarget } from '../../../common/federation/messages.js';
import { MAX_PENDING_REMOVALS, PendingChanges } from '../../../common/federation/pending-changes.js';

const target = (url: string, up = true): WireTarget => ({ service: 's', url, agent: 'a', up, last_error: '', last_scrape: 1, duration_ms: 1, bytes: 1 });

describe('PendingChanges', () => {
  it('holds a group changed many times once', () => {
    const p = new PendingChanges<object>();
    const g = {};
    for (let i = 0; i < 10; i++) p.markGroup(g);
    expect(p.groupCount).toBe(1);
    expect(p.groups(100)).toEqual([g]);
  });

  it('gives groups in the order they first changed, at most the batch size', () => {
    const p = new PendingChanges<{ n: number }>();
    const gs = [0, 1, 2, 3].map((n) => ({ n }));
    for (const g of gs) p.markGroup(g);
    expect(p.groups(2)).toEqual(gs.slice(0, 2));
  });

  it('lets a removal cancel a pending change of the same target, and a change cancel a removal', () => {
    const p = new PendingChanges<object>();
    p.markTarget(target('u'));
    p.removeTarget('a', 's', 'u');
    expect(p.changedTargets()).toEqual([]);
    expect(p.removals()).toEqual([['a', 's', 'u']]);
    p.markTarget(target('u'));
    expect(p.removals()).toEqual([]);
    expect(p.changedTargets()).toHaveLength(1);
  });

  it('trades too many removals for one whole target list', () => {
    const p = new PendingChanges<object>();
    for (let i = 0; i <= MAX_PENDING_REMOVALS; i++) p.removeTarget('a', 's', `u${i}`);
    expect(p.targetCount).toBe(0);
    expect(p.targetsComplete).toBe(true);
    p.taken({ groups: [], targets: [], removed: [], sources: false, complete: true });
    expect(p.empty).toBe(true);
  });

  it('gives back what an unacknowledged message took, unless something newer came meanwhile', () => {
    const p = new PendingChanges<object>();
    const g = {};
    p.markGroup(g);
    p.markTarget(target('u1', true));
    p.markTarget(target('u2'));
    const taken = { groups: p.groups(10), targets: p.changedTargets(), removed: p.removals(), sources: false, complete: false };
    p.taken(taken);
    expect(p.empty).toBe(true);
    p.markTarget(target('u1', false)); // newer health of u1
    p.removeTarget('a', 's', 'u2'); // u2 left meanwhile
    p.restore(taken);
    expect(p.groups(10)).toEqual([g]);
    expect(p.changedTargets()).toEqual([target('u1', false)]);
    expect(p.removals()).toEqual([['a', 's', 'u2']]);
  });

  it('puts every group back and drops target changes when a sync starts', () => {
    const p = new PendingChanges<object>();
    p.markTarget(target('u'));
    p.removeTarget('a', 's', 'v');
    const all = [{}, {}];
    p.startSync(all);
    expect(p.groupCount).toBe(2);
    expect(p.targetCount).toBe(0);
  });
});
