import { describe, expect, it } from 'vitest';
import { countTag, mergeTagEntry, OTHER_TAG, sumTallies, TAG_VALUE_CHARS, TAG_VALUES_PER_GROUP, type TagTally, tagValue } from '../../../common/merge/tags.js';

describe('tagValue', () => {
  it('cuts a 1 MB release name at 200 characters', () => {
    const v = tagValue(`v${'9'.repeat(1024 * 1024)}`);
    expect(v?.length).toBe(TAG_VALUE_CHARS);
    expect(v?.startsWith('v999')).toBe(true);
  });

  it('trims, drops control characters, and treats empty or non-strings as absent', () => {
    expect(tagValue('  1.2.3\n')).toBe('1.2.3');
    expect(tagValue('prod\u0000uction')).toBe('production');
    expect(tagValue('')).toBeUndefined();
    expect(tagValue('   ')).toBeUndefined();
    expect(tagValue(42)).toBeUndefined();
    expect(tagValue(null)).toBeUndefined();
  });
});

describe('countTag', () => {
  it('counts past the bound of distinct values under the other bucket', () => {
    const tally: TagTally = new Map();
    for (let i = 0; i < TAG_VALUES_PER_GROUP + 5; i++) countTag(tally, `r${i}`, 2, 1_000 + i);
    expect(tally.size).toBe(TAG_VALUES_PER_GROUP + 1);
    expect(tally.get(OTHER_TAG)).toEqual({ count: 10, first: 1_000 + TAG_VALUES_PER_GROUP, last: 1_004 + TAG_VALUES_PER_GROUP });
    countTag(tally, 'r3', 1, 5_000);
    expect(tally.get('r3')).toEqual({ count: 3, first: 1_003, last: 5_000 });
  });
});

describe('mergeTagEntry', () => {
  it('takes the max of count and last seen and the min of first seen; the same entry twice changes nothing', () => {
    const tally: TagTally = new Map([['v1', { count: 3, first: 10, last: 20 }]]);
    expect(mergeTagEntry(tally, 'v1', 5, 12, 30)).toBe('changed');
    expect(tally.get('v1')).toEqual({ count: 5, first: 10, last: 30 });
    expect(mergeTagEntry(tally, 'v1', 5, 12, 30)).toBe('same');
    expect(mergeTagEntry(tally, 'v1', 4, 0, 25)).toBe('same');
    expect(tally.get('v1')).toEqual({ count: 5, first: 10, last: 30 });
  });

  it('refuses a new value past the bound from a source that does not bound them, but takes the other bucket', () => {
    const tally: TagTally = new Map();
    for (let i = 0; i < TAG_VALUES_PER_GROUP; i++) expect(mergeTagEntry(tally, `e${i}`, 1, 1, 1)).toBe('changed');
    expect(mergeTagEntry(tally, 'one-too-many', 1, 1, 1)).toBe('refused');
    expect(mergeTagEntry(tally, OTHER_TAG, 7, 1, 1)).toBe('changed');
    expect(tally.size).toBe(TAG_VALUES_PER_GROUP + 1);
  });
});

describe('sumTallies', () => {
  it('sums counts over lineages, min first, max last', () => {
    const a: TagTally = new Map([['v1', { count: 3, first: 10, last: 20 }]]);
    const b: TagTally = new Map([['v1', { count: 2, first: 5, last: 15 }], ['v2', { count: 1, first: 0, last: 9 }]]);
    expect([...sumTallies([a, b])]).toEqual([['v1', { count: 5, first: 5, last: 20 }], ['v2', { count: 1, first: 0, last: 9 }]]);
  });
});
