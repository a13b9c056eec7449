import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArrayStream } from '../../../hub/api/json-array-stream.js';

describe('jsonArrayStream (large Periskop lists written in chunks)', () => {
  it('writes the same bytes as JSON.stringify of the presented array plus a newline (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ key: fc.string(), n: fc.integer(), tags: fc.array(fc.string(), { maxLength: 3 }), at: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })) })),
      fc.integer({ min: 1, max: 10 }),
      async (items, chunk) => {
        const present = (x: (typeof items)[number]) => ({ aggregation_key: x.key, total_count: x.n, tags: x.tags, at: x.at });
        expect(await text(jsonArrayStream(items, present, chunk))).toBe(JSON.stringify(items.map(present)) + '\n');
      },
    ));
  });

  it('lets other work run between chunks', async () => {
    const order: string[] = [];
    const body = text(jsonArrayStream([1, 2, 3, 4], (n) => n, 1)).then((t) => (order.push('written'), t));
    setImmediate(() => order.push('merge ran'));
    expect(await body).toBe('[1,2,3,4]\n');
    expect(order).toEqual(['merge ran', 'written']);
  });
});
