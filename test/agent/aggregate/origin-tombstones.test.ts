import { describe, expect, it } from 'vitest';
import { OriginTombstones } from '../../../agent/aggregate/origin-tombstones.js';

const T0 = 1_700_000_000_000;
const last = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('OriginTombstones', () => {
  it('gives a forgotten origin its last counts back once', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'a', last({ k: 5, j: 2 }), T0);
    expect(t.take('svc', 'a', T0 + 10)).toEqual(last({ k: 5, j: 2 }));
    expect(t.take('svc', 'a', T0 + 10)).toBeUndefined();
    expect(t.stats()).toEqual({ tombstones: 0, keys: 0, resumed: 1, evicted: { limit: 0, age: 0 } });
  });

  it('keeps origins of different services apart', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('a', 'x', last({ k: 1 }), T0);
    t.keep('b', 'x', last({ k: 2 }), T0);
    expect(t.take('b', 'x', T0)).toEqual(last({ k: 2 }));
    expect(t.take('a', 'x', T0)).toEqual(last({ k: 1 }));
  });

  it('leaves nothing for an origin that held no counts', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'a', new Map(), T0);
    expect(t.stats().tombstones).toBe(0);
  });

  it('replaces the tombstone of an origin forgotten again', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'a', last({ k: 5 }), T0);
    t.keep('svc', 'a', last({ k: 9, j: 1 }), T0 + 1);
    expect(t.stats()).toMatchObject({ tombstones: 1, keys: 2 });
    expect(t.take('svc', 'a', T0 + 2)).toEqual(last({ k: 9, j: 1 }));
  });

  it('drops the oldest past the count bound, and counts it', () => {
    const t = new OriginTombstones({ maxTombstones: 2, maxKeys: 1_000, ttlMs: 1000 });
    for (const id of ['a', 'b', 'c']) t.keep('svc', id, last({ k: 1 }), T0);
    expect(t.take('svc', 'a', T0)).toBeUndefined();
    expect(t.take('svc', 'c', T0)).toEqual(last({ k: 1 }));
    expect(t.stats().evicted).toEqual({ limit: 1, age: 0 });
  });

  it('drops the oldest past the bound on keys held in all, however few tombstones that is', () => {
    const t = new OriginTombstones({ maxTombstones: 100, maxKeys: 5, ttlMs: 1000 });
    t.keep('svc', 'a', last({ k1: 1, k2: 1, k3: 1 }), T0);
    t.keep('svc', 'b', last({ k1: 1, k2: 1, k3: 1 }), T0);
    expect(t.stats()).toMatchObject({ tombstones: 1, keys: 3, evicted: { limit: 1 } });
    expect(t.take('svc', 'b', T0)).toBeDefined();
  });

  it('drops tombstones past their age, and counts them, whether taken or expired', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'old', last({ k: 1 }), T0);
    t.keep('svc', 'young', last({ k: 1 }), T0 + 500);
    t.keep('svc', 'late', last({ k: 1 }), T0 + 600);
    expect(t.take('svc', 'old', T0 + 1001)).toBeUndefined();
    expect(t.expire(T0 + 1501)).toBe(1);
    expect(t.stats()).toMatchObject({ tombstones: 1, evicted: { limit: 0, age: 2 } });
    expect(t.take('svc', 'late', T0 + 1600)).toEqual(last({ k: 1 }));
  });

  it('keeps nothing with a bound of 0, counting each as evicted', () => {
    const t = new OriginTombstones({ maxTombstones: 0, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'a', last({ k: 1 }), T0);
    expect(t.stats()).toMatchObject({ tombstones: 0, evicted: { limit: 1 } });
  });

  it('exports oldest first and imports back to the same, aged by the time of the import', () => {
    const t = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    t.keep('svc', 'a', last({ k: 1 }), T0);
    t.keep('svc', 'b', last({ k: 2 }), T0 + 600);
    const saved = t.export();
    expect(saved.map((s) => s.id)).toEqual(['a', 'b']);
    const back = new OriginTombstones({ maxTombstones: 10, maxKeys: 1_000, ttlMs: 1000 });
    back.import(saved, T0 + 1100);
    expect(back.export()).toEqual(saved.slice(1));
    expect(back.stats().evicted.age).toBe(1);
  });
});
