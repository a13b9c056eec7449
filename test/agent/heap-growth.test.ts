import { describe, expect, it } from 'vitest';
import { AGENT_HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../agent/heap-growth.js';

describe('heapGrowthFlag', () => {
  it('tightens V8 heap growth for an agent started without its own setting', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${AGENT_HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=512'])).toBe(`--heap-growing-percent=${AGENT_HEAP_GROWING_PERCENT}`);
  });

  it("leaves an operator's own setting alone, however it is spelled", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=80'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap_growing_percent', '10'])).toBeUndefined();
  });
});
