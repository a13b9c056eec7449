import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitPayload } from '../../../agent/wire/payload-segments.js';

const split = (text: string, max = 1000) => splitPayload(Buffer.from(text), max);
const pieces = (text: string, max = 1000): { envelope: unknown; elements: unknown[] } | undefined => {
  const body = Buffer.from(text);
  const s = splitPayload(body, max);
  if (s === undefined) return undefined;
  return { envelope: JSON.parse(s.envelope), elements: s.starts.map((start, i) => JSON.parse(body.toString('utf8', start, s.ends[i]))) };
};

describe('splitPayload', () => {
  it('finds each aggregate and cuts the array out of the envelope', () => {
    const s = split('{"target_uuid":"u","aggregated_errors":[{"a":1}, {"b":"x,}]"}]}');
    expect(s?.envelope).toBe('{"target_uuid":"u","aggregated_errors":[]}');
    expect(pieces('{"target_uuid":"u","aggregated_errors":[{"a":1}, {"b":"x,}]"}]}')?.elements).toEqual([{ a: 1 }, { b: 'x,}]' }]);
  });

  it('reads whitespace, escapes, nesting and non-object elements as JSON does', () => {
    const text = ' {\n "aggregated_errors" : [ {"k":"a\\"b\\\\","n":[[1],{"c":"]"}]} ,\t7 , "s\\"" , null ] , "target_uuid" : null }\n';
    expect(pieces(text)).toEqual({ envelope: { aggregated_errors: [], target_uuid: null }, elements: [{ k: 'a"b\\', n: [[1], { c: ']' }] }, 7, 's"', null] });
  });

  it('accepts an empty list', () => {
    expect(pieces('{"aggregated_errors":[]}')).toEqual({ envelope: { aggregated_errors: [] }, elements: [] });
  });

  it.each([
    ['not an object', '[{"aggregated_errors":[]}]'],
    ['no aggregated_errors', '{"target_uuid":"u"}'],
    ['aggregated_errors null', '{"aggregated_errors":null}'],
    ['aggregated_errors twice', '{"aggregated_errors":[],"aggregated_errors":[{"a":1}]}'],
    ['a member name with escapes', '{"aggregated\\u005ferrors":[{"a":1}],"aggregated_errors":[]}'],
    ['a trailing comma', '{"aggregated_errors":[{"a":1},]}'],
    ['a missing comma', '{"aggregated_errors":[{"a":1} {"b":2}]}'],
    ['bytes after the object', '{"aggregated_errors":[]} x'],
    ['an unterminated string', '{"aggregated_errors":[{"a":"1}]}'],
    ['an unterminated list', '{"aggregated_errors":[{"a":1}'],
    ['an empty body', ''],
  ])('leaves a body with %s to the full parse', (_what, text) => {
    expect(split(text)).toBeUndefined();
  });

  it('leaves a body with more elements than allowed to the full parse', () => {
    expect(split('{"aggregated_errors":[1,2,3]}', 2)).toBeUndefined();
    expect(split('{"aggregated_errors":[1,2]}', 2)?.starts).toHaveLength(2);
  });

  it('gives back exactly the elements and the rest of any payload JSON.stringify writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        // Top-level names written with escapes are left to the full parse (tested above).
        fc.dictionary(fc.string().filter((k) => k !== 'aggregated_errors' && !JSON.stringify(k).includes('\\')), fc.jsonValue(), { maxKeys: 3 }),
        fc.constantFrom(undefined, 1, '\t'),
        (elements, extra, indent) => {
          const value = { ...extra, aggregated_errors: elements };
          const got = pieces(JSON.stringify(value, null, indent));
          expect(got).toBeDefined();
          expect(got?.elements).toEqual(JSON.parse(JSON.stringify(elements)));
          expect(got?.envelope).toEqual(JSON.parse(JSON.stringify({ ...value, aggregated_errors: [] })));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never makes an invalid body look valid: when every piece parses, the whole body parses to the same value', () => {
    const structural = fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', ' ', 'a', '1');
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }), fc.nat(), structural, fc.constantFrom('insert', 'replace', 'delete'), (elements, at, char, how) => {
        const valid = JSON.stringify({ target_uuid: 'u', aggregated_errors: elements });
        const i = at % valid.length;
        const text = how === 'insert' ? valid.slice(0, i) + char + valid.slice(i) : how === 'replace' ? valid.slice(0, i) + char + valid.slice(i + 1) : valid.slice(0, i) + valid.slice(i + 1);
        let got;
        try {
          got = pieces(text);
        } catch {
          return; // a piece did not parse: the reader then parses the whole body, which fails as it should
        }
        if (got === undefined) return;
        const whole = JSON.parse(text) as { aggregated_errors: unknown[] };
        expect(whole.aggregated_errors).toEqual(got.elements);
        expect({ ...whole, aggregated_errors: [] }).toEqual(got.envelope);
      }),
      { numRuns: 2000 },
    );
  });
});
