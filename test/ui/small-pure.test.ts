import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSegment } from '../../common/api/v1.js';
import { parseEvent } from '../../ui/src/api/live-event.js';
import { seg } from '../../ui/src/api/segment.js';
import { bytes, count } from '../../ui/src/format/numbers.js';

describe('seg (the UI path segment encoder)', () => {
  it('encodes exactly like encodeSegment of the API contract', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(seg(s)).toBe(encodeSegment(s));
    }));
  });
});

describe('parseEvent', () => {
  it('reads the live events of the API', () => {
    expect(parseEvent('groups', '{"type":"groups","service":"shop","keys":["a",1],"truncated":false}')).toEqual({ type: 'groups', service: 'shop', keys: ['a'], truncated: false });
    expect(parseEvent('services', '{"type":"services"}')).toEqual({ type: 'services' });
    expect(parseEvent('alert', '{"type":"alert"}')).toEqual({ type: 'alert' });
  });

  it('ignores malformed data and events whose type does not match', () => {
    expect(parseEvent('groups', 'not json')).toBeNull();
    expect(parseEvent('groups', '{"type":"services"}')).toBeNull();
    expect(parseEvent('groups', '{"type":"groups","service":1,"keys":[]}')).toBeNull();
    expect(parseEvent('other', '{"type":"other"}')).toBeNull();
    expect(parseEvent('groups', null)).toBeNull();
  });
});

describe('number formats', () => {
  it('groups thousands and shows a dash for what is not a number', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect(count(Number.NaN)).toBe('—');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
  });
});
