import type { Occurrence } from '../../common/occurrence.js';

/** Rough bytes of one heap object with a few fields, and of a string's header. */
const OBJECT_BYTES = 64;
const STRING_BYTES = 24;

const str = (s: string): number => STRING_BYTES + s.length;

/**
 * Approximate heap bytes of one sample, as if none of its strings were shared with another sample
 * (interning only makes the real figure smaller, so a budget in these bytes is an upper bound).
 * Strings count one byte per character plus a header. Example: an occurrence with a 40-character
 * message and a 10-line stack trace of 60 characters each is about 1.2 KB.
 */
export function sampleBytes(o: Occurrence): number {
  let bytes = OBJECT_BYTES + str(o.uuid);
  for (const d of o.chain) {
    bytes += OBJECT_BYTES + str(d.class) + str(d.message);
    if (d.stacktrace !== null) {
      bytes += OBJECT_BYTES;
      for (const line of d.stacktrace) bytes += 8 + str(line);
    }
  }
  const http = o.http;
  if (http !== null) {
    bytes += OBJECT_BYTES + str(http.method) + str(http.url) + str(http.body);
    if (http.headers !== null) {
      bytes += OBJECT_BYTES;
      for (const k in http.headers) bytes += 16 + str(k) + str(http.headers[k] ?? '');
    }
  }
  return bytes;
}
