/**
 * Where each element of `aggregated_errors` lies in a Periskop client body, found by one structural
 * scan of the bytes (strings skipped, brackets counted) without building any value. Between two
 * scrapes a live client changes a few of its aggregates, so a reader can hash each element's bytes
 * and parse only the ones it has not seen (agent/scrape/payload-reader.ts).
 *
 * The scan checks the structure it relies on (one top-level object, a single `aggregated_errors`
 * member holding an array, elements separated by exactly one comma); everything else is left to
 * JSON.parse: the envelope (the body with the array's content removed) and each element are parsed
 * on their own, and when all of them parse, the whole body is valid JSON with the same value.
 * Anything unexpected returns undefined and the caller parses the whole body as before.
 * Pure function; no limits beyond `maxElements` (the scan itself allocates two numbers per element).
 */
export interface PayloadSegments {
  /** The body with the content of `aggregated_errors` cut out, e.g. `{"target_uuid":"u","aggregated_errors":[]}`. */
  readonly envelope: string;
  /** Byte offsets of each element: element i is `body[starts[i], ends[i])`, in payload order. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MEMBER = Buffer.from('"aggregated_errors"');

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(body: Buffer, i: number): number {
  while (isSpace(body[i])) i++;
  return i;
}

/** Index of the quote closing the string that opens at `i`; -1 when it never closes. */
function stringEnd(body: Buffer, i: number): number {
  let at = i;
  for (;;) {
    const q = body.indexOf(QUOTE, at + 1);
    if (q < 0) return -1;
    let slashes = 0;
    for (let k = q - 1; body[k] === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q;
    at = q;
  }
}

/**
 * Index just past the value starting at `i` (a string, an object or array with everything nested in
 * it, or a bare word such as a number); -1 when the body ends first. Brackets are counted, not
 * matched by kind: a mismatch is found when the value is parsed.
 */
function valueEnd(body: Buffer, i: number): number {
  const c = body[i];
  if (c === QUOTE) {
    const q = stringEnd(body, i);
    return q < 0 ? -1 : q + 1;
  }
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let j = i; j < body.length; j++) {
      const b = body[j];
      if (b === QUOTE) {
        j = stringEnd(body, j);
        if (j < 0) return -1;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        depth++;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < body.length) {
    const b = body[j];
    if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b)) break;
    j++;
  }
  return j > i ? j : -1;
}

/**
 * Splits a client body into its envelope and the byte ranges of its aggregates, or returns undefined
 * when the body is not shaped so (not an object, no or several `aggregated_errors`, not an array,
 * a top-level member name written with escapes, more than `maxElements` elements, stray bytes).
 * Example: `{"target_uuid":"u","aggregated_errors":[{"a":1}, {"b":2}]}` gives the envelope
 * `{"target_uuid":"u","aggregated_errors":[]}` and the ranges of `{"a":1}` and `{"b":2}`.
 */
export function splitPayload(body: Buffer, maxElements: number): PayloadSegments | undefined {
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_OBJECT) return undefined;
  i = skipSpace(body, i + 1);
  let open = -1;
  let close = -1;
  const starts: number[] = [];
  const ends: number[] = [];
  if (body[i] !== CLOSE_OBJECT) {
    for (;;) {
      if (body[i] !== QUOTE) return undefined;
      const nameEnd = stringEnd(body, i);
      if (nameEnd < 0) return undefined;
      // A name spelled with escapes might decode to "aggregated_errors": leave it to the full parse.
      for (let k = i + 1; k < nameEnd; k++) if (body[k] === BACKSLASH) return undefined;
      const isArrayMember = nameEnd + 1 - i === MEMBER.length && body.compare(MEMBER, 0, MEMBER.length, i, nameEnd + 1) === 0;
      i = skipSpace(body, nameEnd + 1);
      if (body[i] !== COLON) return undefined;
      i = skipSpace(body, i + 1);
      if (isArrayMember) {
        if (open >= 0 || body[i] !== OPEN_ARRAY) return undefined;
        open = i;
        i = skipSpace(body, i + 1);
        if (body[i] !== CLOSE_ARRAY) {
          for (;;) {
            const end = valueEnd(body, i);
            if (end < 0) return undefined;
            if (starts.length >= maxElements) return undefined;
            starts.push(i);
            ends.push(end);
            i = skipSpace(body, end);
            if (body[i] === CLOSE_ARRAY) break;
            if (body[i] !== COMMA) return undefined;
            i = skipSpace(body, i + 1);
            if (body[i] === CLOSE_ARRAY) return undefined;
          }
        }
        close = i;
        i++;
      } else {
        const end = valueEnd(body, i);
        if (end < 0) return undefined;
        i = end;
      }
      i = skipSpace(body, i);
      if (body[i] === CLOSE_OBJECT) break;
      if (body[i] !== COMMA) return undefined;
      i = skipSpace(body, i + 1);
    }
  }
  if (open < 0 || skipSpace(body, i + 1) !== body.length) return undefined;
  return { envelope: body.toString('utf8', 0, open + 1) + body.toString('utf8', close), starts, ends };
}
