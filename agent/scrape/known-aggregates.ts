import { type AggregateItem, INVALID_AGGREGATE, isInvalidAggregate } from '../wire/client-payload.js';
import { SEVERITIES, type Severity } from '../../common/severity.js';

/** Bytes of a sha1 digest. */
export const DIGEST_BYTES = 20;

const NO_SAMPLES: readonly unknown[] = Object.freeze([]);
const KEY_CUT = 4;
const SAMPLES_CUT = 8;
const INVALID = 16;
const SEVERITY_MASK = 3;

/**
 * The aggregates of one target's last committed body, by the sha1 of each element's bytes, kept in a
 * few flat arrays instead of an object and a digest string per aggregate (about 30 bytes per
 * aggregate instead of about 200: a thousand targets of 50 aggregates hold 1.5 MB, not 10, and give the
 * garbage collector a few arrays per target to mark instead of a hundred objects). An aggregate found
 * here comes back as the item read then, without its raw samples. Built by PayloadReader when a read
 * is committed; replaced by the next commit.
 *
 * Example: `KnownAggregates.of(digests, [item])` then `find(digestOfSameBytes, 0)` gives `{ ...item,
 * rawSamples: [] }`, and `find` of any other digest gives undefined.
 */
export class KnownAggregates {
  static readonly EMPTY = new KnownAggregates(Buffer.alloc(0), new Uint32Array(0), new Uint16Array(0), [], new Float64Array(0), new Float64Array(0), new Uint8Array(0));

  private constructor(
    /** DIGEST_BYTES per element, in body order. */
    private readonly digests: Buffer,
    /** The first 4 bytes of each digest, sorted (for a binary search). */
    private readonly prefixes: Uint32Array,
    /** The element of each sorted prefix. */
    private readonly order: Uint16Array | Uint32Array,
    private readonly keys: readonly string[],
    private readonly totals: Float64Array,
    private readonly created: Float64Array,
    /** Severity index, KEY_CUT, SAMPLES_CUT, INVALID. */
    private readonly meta: Uint8Array,
  ) {}

  /** A table of `items` whose element digests are `digests` (DIGEST_BYTES each, same order). */
  static of(digests: Buffer, items: readonly AggregateItem[]): KnownAggregates {
    const n = items.length;
    const keys: string[] = new Array<string>(n);
    const totals = new Float64Array(n);
    const created = new Float64Array(n);
    const meta = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const item = items[i] as AggregateItem;
      if (isInvalidAggregate(item)) {
        keys[i] = '';
        meta[i] = INVALID;
        continue;
      }
      keys[i] = item.key;
      totals[i] = item.totalCount;
      created[i] = item.createdAt;
      meta[i] = SEVERITIES.indexOf(item.severity) | (item.keyCut === true ? KEY_CUT : 0) | (item.samplesCut === true ? SAMPLES_CUT : 0);
    }
    const sorted = Array.from({ length: n }, (_, i) => i).sort((a, b) => digests.readUInt32BE(a * DIGEST_BYTES) - digests.readUInt32BE(b * DIGEST_BYTES));
    const prefixes = Uint32Array.from(sorted, (i) => digests.readUInt32BE(i * DIGEST_BYTES));
    const order = n <= 0xffff ? Uint16Array.from(sorted) : Uint32Array.from(sorted);
    return new KnownAggregates(digests, prefixes, order, keys, totals, created, meta);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The aggregate whose element had the digest at `at` in `digests` (a new object, no raw samples), or undefined. */
  find(digests: Buffer, at: number): AggregateItem | undefined {
    const i = this.#indexOf(digests, at);
    if (i < 0) return undefined;
    const meta = this.meta[i] as number;
    if ((meta & INVALID) !== 0) return INVALID_AGGREGATE;
    const item = {
      key: this.keys[i] as string,
      totalCount: this.totals[i] as number,
      severity: SEVERITIES[meta & SEVERITY_MASK] as Severity,
      createdAt: this.created[i] as number,
      rawSamples: NO_SAMPLES,
    };
    if ((meta & (KEY_CUT | SAMPLES_CUT)) === 0) return item;
    return { ...item, ...((meta & KEY_CUT) !== 0 ? { keyCut: true as const } : {}), ...((meta & SAMPLES_CUT) !== 0 ? { samplesCut: true as const } : {}) };
  }

  #indexOf(digests: Buffer, at: number): number {
    const prefix = digests.readUInt32BE(at);
    const prefixes = this.prefixes;
    let lo = 0;
    let hi = prefixes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((prefixes[mid] as number) < prefix) lo = mid + 1;
      else hi = mid;
    }
    // Equal prefixes sit together: check each one's whole digest.
    for (let s = lo; s < prefixes.length && prefixes[s] === prefix; s++) {
      const i = this.order[s] as number;
      if (digests.compare(this.digests, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES, at, at + DIGEST_BYTES) === 0) return i;
    }
    return -1;
  }
}
