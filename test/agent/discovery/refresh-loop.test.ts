import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshLoop, type WhileRunning } from '../../../agent/discovery/refresh-loop.js';

/** A loop whose work waits until released, counting runs. */
function loopOf(whileRunning: WhileRunning, intervalMs = 1_000) {
  const errors: string[] = [];
  let runs = 0;
  let release: (() => void) | undefined;
  let fail = false;
  const loop = new RefreshLoop({
    intervalMs, whileRunning, onError: (err) => errors.push(err.message),
    work: () => {
      runs++;
      return new Promise<void>((resolve, reject) => (release = () => (fail ? reject(new Error('source down')) : resolve())));
    },
  });
  return { loop, errors, runs: () => runs, release: () => release?.(), failNext: () => (fail = true) };
}

describe('RefreshLoop (the polling of file, http and dns discovery)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shares a running refresh when asked to share', async () => {
    const l = loopOf('share');
    l.loop.start();
    const again = l.loop.refresh();
    l.release();
    await again;
    expect(l.runs()).toBe(1);
    l.loop.stop();
  });

  it('runs once more after the running one when asked to run again, however often it was asked', async () => {
    const l = loopOf('run-again');
    l.loop.start();
    const a = l.loop.refresh();
    void l.loop.refresh();
    l.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(l.runs()).toBe(2);
    l.release();
    await a;
    expect(l.runs()).toBe(2);
    l.loop.stop();
  });

  it('refreshes every interval after the end of the last refresh, and never after stop', async () => {
    const l = loopOf('share', 1_000);
    l.loop.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(l.runs()).toBe(1); // still running: a slow source is not asked twice
    l.release();
    await vi.advanceTimersByTimeAsync(999);
    expect(l.runs()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(l.runs()).toBe(2);
    l.release();
    l.loop.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(l.runs()).toBe(2);
  });

  it('reports a failed refresh and keeps cycling; a refresh before start does not start the cycle', async () => {
    const l = loopOf('share', 1_000);
    const first = l.loop.refresh();
    l.failNext();
    l.release();
    await first;
    expect(l.errors).toEqual(['source down']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(l.runs()).toBe(1);
    l.loop.start();
    l.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(l.runs()).toBe(3);
    expect(l.errors).toEqual(['source down', 'source down']);
    l.loop.stop();
  });
});
