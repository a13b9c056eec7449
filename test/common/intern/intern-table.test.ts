import { describe, expect, it } from 'vitest';
import { InternTable, type InternTableOptions, STRING_ENTRY_BYTES } from '../../../common/intern/intern-table.js';
import { occurrence } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;
const STACK = Array.from({ length: 50 }, (_, i) => `at com.example.Service.method${i}(Service.java:${i})`);
/** As the agent holds its sample strings: every non-empty string, stack traces line by line. */
const AGENT: InternTableOptions = { maxEntries: 200_000, maxBytes: 64 * 1024 * 1024, minLength: 1, stacks: false };
/** As the hub holds its samples: strings of 16 characters or more, whole stack traces shared. */
const HUB: InternTableOptions = { maxEntries: Number.POSITIVE_INFINITY, maxBytes: 8 * 1024 * 1024, minLength: 16, stacks: true };

/** A fresh copy of `s` built at run time (not the literal the test wrote). */
const copyOf = (s: string): string => [...s].join('');

describe('InternTable, every string, stack traces line by line (the agent)', () => {
  it('keeps one entry per distinct string however often it is seen', () => {
    const interner = new InternTable(AGENT);
    for (let i = 0; i < 100; i++) interner.occurrence(occurrence(`u${i}`, NOW, { chain: [{ class: 'E', message: 'boom', stacktrace: STACK }] }));
    expect(interner.stats().entries).toBe(STACK.length + 2);
    expect(interner.stats().hits).toBe(99 * (STACK.length + 2));
  });

  it('returns an equal occurrence and leaves the one it was given alone', () => {
    const interner = new InternTable(AGENT);
    const o = occurrence('u', NOW, { http: { method: 'GET', url: '/x', headers: { a: 'b' }, body: 'payload' } });
    const copy = structuredClone(o);
    expect(interner.occurrence(o)).toEqual(copy);
    expect(o).toEqual(copy);
  });

  it('holds at most maxEntries strings', () => {
    const interner = new InternTable({ ...AGENT, maxEntries: 10, maxBytes: 1_000_000 });
    for (let i = 0; i < 1_000; i++) interner.string(`line ${i}`);
    expect(interner.stats().entries).toBe(10);
  });

  it('holds at most maxBytes, each string charged its characters and an entry', () => {
    const interner = new InternTable({ ...AGENT, maxEntries: 1_000_000, maxBytes: 1_000 });
    for (let i = 0; i < 1_000; i++) interner.string(`${'x'.repeat(90)}${i}`);
    expect(interner.stats().chars).toBeLessThanOrEqual(1_000);
    expect(interner.stats().bytes).toBeLessThanOrEqual(1_000);
    expect(interner.stats().bytes).toBe(interner.stats().chars + interner.stats().entries * STRING_ENTRY_BYTES);
  });

  it('shares the HTTP method and URL of a sample', () => {
    const interner = new InternTable(AGENT);
    const http = { method: 'POST', url: '/checkout/cart', headers: null, body: '' };
    interner.occurrence(occurrence('u1', NOW, { http }));
    const before = interner.stats().hits;
    interner.occurrence(occurrence('u2', NOW, { http: { ...http, method: copyOf('POST'), url: copyOf('/checkout/cart') } }));
    // The class, the message of u2 is new, the stack line, the method and the URL.
    expect(interner.stats().hits - before).toBe(4);
  });

  it('gives each sample a stack trace array of its own', () => {
    const interner = new InternTable(AGENT);
    const a = interner.stack(STACK);
    const b = interner.stack([...STACK]);
    expect(a).toEqual(STACK);
    expect(a).not.toBe(b);
    expect(Object.isFrozen(a)).toBe(false);
  });
});

describe('InternTable, long strings, whole stack traces (the hub)', () => {
  it('leaves strings shorter than minLength out of the table', () => {
    const interner = new InternTable(HUB);
    interner.string('E');
    interner.string('boom');
    interner.string('java.lang.IllegalStateException');
    interner.string(copyOf('java.lang.IllegalStateException'));
    expect(interner.stats()).toMatchObject({ entries: 1, hits: 1 });
  });

  it('gives every sample with the same stack trace the same frozen array', () => {
    const interner = new InternTable(HUB);
    const a = interner.occurrence(occurrence('u1', NOW, { chain: [{ class: 'E', message: 'boom', stacktrace: [...STACK] }] }));
    const b = interner.occurrence(occurrence('u2', NOW, { chain: [{ class: 'E', message: 'boom', stacktrace: STACK.map(copyOf) }] }));
    expect(a.chain[0]?.stacktrace).toBe(b.chain[0]?.stacktrace);
    expect(Object.isFrozen(a.chain[0]?.stacktrace)).toBe(true);
    // The stack lines (each at least 16 characters) and the trace itself.
    expect(interner.stats().entries).toBe(STACK.length + 1);
  });

  it('tells apart two traces with the same fingerprint (count, length, first and last line)', () => {
    const interner = new InternTable(HUB);
    const one = ['at first.line(A.java:1)', 'at middle.aaaa(B.java:2)', 'at last.line(C.java:3)'];
    const other = ['at first.line(A.java:1)', 'at middle.bbbb(B.java:2)', 'at last.line(C.java:3)'];
    expect(interner.stack(one)).toEqual(one);
    expect(interner.stack(other)).toEqual(other);
    expect(interner.stack(one)).toEqual(one);
  });

  it('keeps the difference between no stack trace and an empty one', () => {
    const interner = new InternTable(HUB);
    const empty: string[] = [];
    expect(interner.stack(null)).toBeNull();
    expect(interner.stack(empty)).toBe(empty);
  });

  it('holds at most maxBytes, half for strings and half for stack traces', () => {
    const interner = new InternTable({ ...HUB, maxBytes: 20_000 });
    for (let i = 0; i < 200; i++) interner.stack(STACK.map((l) => `${l} #${i}`));
    expect(interner.stats().bytes).toBeLessThanOrEqual(20_000);
  });

  it('refuses bounds that hold nothing', () => {
    expect(() => new InternTable({ ...HUB, maxBytes: 0 })).toThrow(RangeError);
    expect(() => new InternTable({ ...AGENT, maxEntries: 0 })).toThrow(RangeError);
    expect(() => new InternTable({ ...AGENT, minLength: 0 })).toThrow(RangeError);
  });
});
