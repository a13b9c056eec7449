import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncAdmission } from '../../../hub/federation/sync-admission.js';

describe('SyncAdmission', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('admits up to its slots at once and makes the rest wait', async () => {
    const admission = new SyncAdmission(2, 30_000, () => 0);
    expect(await admission.acquire()).toBe(true);
    expect(await admission.acquire()).toBe(true);
    let third: boolean | undefined;
    void admission.acquire().then((v) => (third = v));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(third).toBeUndefined();
    expect(admission.queued).toBe(1);
    admission.release();
    await vi.advanceTimersByTimeAsync(100);
    expect(third).toBe(true);
    expect(admission.inUse).toBe(2);
  });

  it('admits waiting sources in arrival order', async () => {
    const admission = new SyncAdmission(1, 30_000, () => 0);
    await admission.acquire();
    const order: string[] = [];
    void admission.acquire().then(() => order.push('first'));
    void admission.acquire().then(() => order.push('second'));
    admission.release();
    await vi.advanceTimersByTimeAsync(100);
    admission.release();
    await vi.advanceTimersByTimeAsync(100);
    expect(order).toEqual(['first', 'second']);
  });

  it('keeps a source waiting as long as syncs keep finishing, however long the queue takes', async () => {
    const admission = new SyncAdmission(1, 5_000, () => 0);
    await admission.acquire();
    const results: boolean[] = [];
    for (let i = 0; i < 10; i++) void admission.acquire().then((v) => results.push(v));
    // Each sync takes 4 s: the last source waits 40 s, eight times the stall timeout.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(4_000);
      admission.release();
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(results).toEqual(Array(10).fill(true));
    expect(admission.refused).toBe(0);
  });

  it('sends the waiting sources away when no sync has finished for the stall timeout', async () => {
    const admission = new SyncAdmission(1, 5_000);
    await admission.acquire();
    const results: boolean[] = [];
    void admission.acquire().then((v) => results.push(v));
    void admission.acquire().then((v) => results.push(v));
    await vi.advanceTimersByTimeAsync(5_001);
    expect(results).toEqual([false, false]);
    expect(admission.queued).toBe(0);
    expect(admission.refused).toBe(2);
  });

  it('frees the slot when nobody waits', async () => {
    const admission = new SyncAdmission(1, 5_000);
    await admission.acquire();
    admission.release();
    expect(admission.inUse).toBe(0);
    expect(await admission.acquire()).toBe(true);
  });
});
