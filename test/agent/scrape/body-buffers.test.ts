import { describe, expect, it } from 'vitest';
import { BodyBuffer, BodyBuffers } from '../../../agent/scrape/body-buffers.js';

describe('BodyBuffer', () => {
  it('holds the chunks in order, growing past its first size', () => {
    const b = new BodyBuffer(4);
    b.append(Buffer.from('{"aggregated'));
    b.append(Buffer.from('_errors":[]}'));
    expect(b.bytes.toString()).toBe('{"aggregated_errors":[]}');
    expect(b.capacity).toBeGreaterThanOrEqual(24);
    b.clear();
    b.append(Buffer.from('x'));
    expect(b.bytes.toString()).toBe('x');
  });
});

describe('BodyBuffers', () => {
  it('hands a given-back buffer out again, emptied', () => {
    const pool = new BodyBuffers();
    const first = pool.take();
    first.append(Buffer.from('old body'));
    pool.give(first);
    const again = pool.take();
    expect(again).toBe(first);
    expect(again.bytes.length).toBe(0);
    expect(pool.take()).not.toBe(first);
  });

  it('keeps no buffer grown by an unusually large body, and no more than its byte budget', () => {
    const pool = new BodyBuffers(1024 * 1024, 256 * 1024);
    const big = pool.take();
    big.append(Buffer.alloc(300 * 1024));
    pool.give(big);
    expect(pool.freeBytes).toBe(0);
    const many = Array.from({ length: 40 }, () => pool.take());
    for (const b of many) pool.give(b);
    expect(pool.freeBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(pool.freeBytes).toBeGreaterThan(0);
  });

  it('hands out a kept buffer large enough for a declared length, else a new one of that size, capped', () => {
    const pool = new BodyBuffers(8 * 1024 * 1024, 2 * 1024 * 1024);
    const small = pool.take();
    const large = pool.take(300 * 1024 - 5);
    // Rounded up to 64 KiB: the same target's next body, a few bytes longer, still fits.
    expect(large.capacity).toBe(320 * 1024);
    pool.give(small);
    pool.give(large);
    expect(pool.take(300 * 1024 + 5)).toBe(large);
    expect(pool.take(400 * 1024).capacity).toBe(448 * 1024);
    // A declared 100 MB reserves no more than 1 MiB up front.
    expect(pool.take(100 * 1024 * 1024).capacity).toBe(1024 * 1024);
    expect(pool.take()).toBe(small);
  });
});
