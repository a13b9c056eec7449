import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RegisterEntry } from '../../../common/federation/peer-messages.js';
import { UserRegister } from '../../../hub/peers/user-register.js';

const entry = (key: string, resolved: boolean, wall: number, counter: number, origin: string): RegisterEntry => ({
  service: 'checkout', key, resolved, at: wall, total: resolved ? 3 : 0, hlc: [wall, counter], origin,
});

describe('user register', () => {
  it('keeps the newest write per group and numbers every change', () => {
    const r = new UserRegister(() => 0);
    expect(r.merge(entry('k', true, 10, 0, 'hub-a'))).toBe(true);
    expect(r.merge(entry('k', false, 9, 5, 'hub-b'))).toBe(false);
    expect(r.merge(entry('k', true, 10, 0, 'hub-a'))).toBe(false);
    expect(r.merge(entry('k', false, 10, 0, 'hub-b'))).toBe(true);
    expect(r.get('checkout', 'k')?.resolved).toBe(false);
    expect(r.lastSeq).toBe(2);
  });

  it('lists the changes after a seq, each group once at its latest change, in seq order', () => {
    const r = new UserRegister(() => 0);
    r.merge(entry('a', true, 1, 0, 'h'));
    r.merge(entry('b', true, 2, 0, 'h'));
    r.merge(entry('a', false, 3, 0, 'h'));
    r.merge(entry('c', true, 4, 0, 'h'));
    expect(r.since(0, 100).map((h) => [h.entry.key, h.seq])).toEqual([['b', 2], ['a', 3], ['c', 4]]);
    expect(r.since(2, 100).map((h) => h.entry.key)).toEqual(['a', 'c']);
    expect(r.since(2, 1).map((h) => h.entry.key)).toEqual(['a']);
    expect(r.since(4, 100)).toEqual([]);
  });

  it('stays bounded by the number of groups however many changes it saw', () => {
    const r = new UserRegister(() => 0);
    for (let i = 0; i < 50_000; i++) r.merge(entry(`k${i % 10}`, i % 2 === 0, i, 0, 'h'));
    expect(r.size).toBe(10);
    expect(r.since(0, 1000)).toHaveLength(10);
    expect((r as unknown as { changes: unknown[] }).changes.length).toBeLessThanOrEqual(2 * 10 + 1025);
  });

  it('converges: replicas merging the same writes in any order, with duplicates, end equal', () => {
    const write = fc.record({
      key: fc.constantFrom('a', 'b', 'c'), resolved: fc.boolean(), wall: fc.integer({ min: 0, max: 20 }), counter: fc.integer({ min: 0, max: 2 }), origin: fc.constantFrom('hub-a', 'hub-b'),
    }).map((w) => entry(w.key, w.resolved, w.wall, w.counter, w.origin));
    fc.assert(
      fc.property(fc.array(write, { maxLength: 40 }).chain((ws) => fc.tuple(fc.constant(ws), fc.shuffledSubarray([...ws, ...ws], { minLength: 2 * ws.length }))), ([writes, shuffled]) => {
        // Equal stamps with different content cannot happen (one hub never reuses a reading): drop such pairs.
        const byStamp = new Map<string, RegisterEntry>();
        for (const w of writes) byStamp.set(`${w.key}/${w.hlc.join('.')}/${w.origin}`, w);
        const a = new UserRegister(() => 0);
        const b = new UserRegister(() => 0);
        for (const w of byStamp.values()) a.merge(w);
        for (const w of shuffled) b.merge(byStamp.get(`${w.key}/${w.hlc.join('.')}/${w.origin}`) as RegisterEntry);
        for (const key of ['a', 'b', 'c']) expect(b.get('checkout', key)).toEqual(a.get('checkout', key));
      }),
    );
  });
});
