import { Readable } from 'node:stream';
import { yieldToLoop } from './yield-to-loop.js';

/** Items presented and serialised between two turns of the event loop. */
export const JSON_CHUNK = 500;

/**
 * The JSON array of `items` (each through `present`) followed by a newline, as a stream written
 * `chunk` items at a time with the event loop given back in between: the same bytes as
 * `JSON.stringify(items.map(present)) + '\n'`, but a 37,000-group answer never holds merges for its
 * whole serialisation. Items are presented when their chunk is written (their values as of then).
 */
export function jsonArrayStream<T>(items: readonly T[], present: (item: T) => unknown, chunk = JSON_CHUNK): Readable {
  async function* parts(): AsyncGenerator<string> {
    yield '[';
    for (let i = 0; i < items.length; i += chunk) {
      if (i > 0) await yieldToLoop();
      const text = items.slice(i, i + chunk).map((item) => JSON.stringify(present(item))).join(',');
      yield i === 0 ? text : `,${text}`;
    }
    yield ']\n';
  }
  return Readable.from(parts(), { objectMode: false });
}
