import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag, youngGenerationFlag } from '../../common/heap-growth.js';

describe('heapGrowthFlag', () => {
  it('tightens V8 heap growth for an agent started without its own setting', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=512'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves an operator's own setting alone, however it is spelled", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=80'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap_growing_percent', '10'])).toBeUndefined();
  });
});

describe('youngGenerationFlag', () => {
  it("keeps an agent's young generation at its initial size when started without its own setting", () => {
    expect(youngGenerationFlag([])).toBe('--semi-space-growth-factor=1');
    expect(youngGenerationFlag(['--heap-growing-percent=80'], '--enable-source-maps')).toBe('--semi-space-growth-factor=1');
  });

  it("leaves an operator's own young-generation setting alone, on the command line or in NODE_OPTIONS", () => {
    expect(youngGenerationFlag(['--max-semi-space-size=8'])).toBeUndefined();
    expect(youngGenerationFlag(['--max_semi_space_size', '8'])).toBeUndefined();
    expect(youngGenerationFlag([], '--enable-source-maps --semi-space-growth-factor=2')).toBeUndefined();
    expect(youngGenerationFlag([], '--max-young-generation-size=16')).toBeUndefined();
  });
});
