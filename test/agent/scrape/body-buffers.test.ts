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
});
