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

  it('tells a source that waited too long to come back later', async () => {
    const admission = new SyncAdmission(1, 5_000);
    await admission.acquire();
    let result: boolean | undefined;
    void admission.acquire().then((v) => (result = v));
    await vi.advanceTimersByTimeAsync(5_001);
    expect(result).toBe(false);
    expect(admission.queued).toBe(0);
  });

  it('frees the slot when nobody waits', async () => {
    const admission = new SyncAdmission(1, 5_000);
    await admission.acquire();
    admission.release();
    expect(admission.inUse).toBe(0);
    expect(await admission.acquire()).toBe(true);
  });
});
