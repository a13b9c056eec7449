import { hash } from 'node:crypto';
import type { Limits } from '../../common/limits.js';
import {
  type AggregateItem,
  assemblePayload,
  isInvalidAggregate,
  type ParsedPayload,
  parseClientPayload,
  readAggregate,
  readEnvelope,
} from '../wire/client-payload.js';
import { splitPayload } from '../wire/payload-segments.js';
import { DIGEST_BYTES, KnownAggregates } from './known-aggregates.js';

/** Above this many aggregates a body is parsed whole and nothing is kept (bounds what a reader holds). */
export const INCREMENTAL_MAX_AGGREGATES = 10_000;

/**
 * An item as staged for KnownAggregates (which keeps its fields, not its raw samples), with the key
 * shared through `intern` (every target of a service sends the same keys).
 */
function kept(item: AggregateItem, intern: (s: string) => string): AggregateItem {
  return isInvalidAggregate(item) ? item : { ...item, key: intern(item.key) };
}

/** Figures of the last read, for tests and metrics. */
export interface ReadFigures {
  /** Aggregates parsed from their bytes. */
  readonly parsed: number;
  /** Aggregates whose bytes were identical to the previous body's: taken from what was read then. */
  readonly reused: number;
  /** The body was parsed whole (not shaped as the incremental reader expects, or too many aggregates). */
  readonly whole: boolean;
}

/**
 * Reads one target's bodies, parsing only the aggregates whose bytes changed since the previous body of
 * the same instance (same target_uuid): a live Periskop client changes a few of its aggregates between
 * two scrapes, so most of a changed body costs a sha1 of its bytes instead of a JSON.parse (and builds
 * no garbage). The result is exactly what `parseClientPayload(JSON.parse(body))` gives, except that an
 * aggregate identical to the previous body's comes without its raw samples: its total did not change,
 * so the aggregator, whose origin already holds that total, takes no samples from it.
 *
 * `read` stages what it learned; `commit` keeps it once the payload was ingested, so a payload that was
 * not ingested is never taken as known. Owned by a target's ScrapeLoop; holds per aggregate of the last
 * committed body a sha1 and the aggregate read, without its samples, in flat arrays (about 30 bytes,
 * known-aggregates.ts), at most INCREMENTAL_MAX_AGGREGATES of them.
 */
export class PayloadReader {
  #items = KnownAggregates.EMPTY;
  #uuid: string | undefined;
  #known = false;
  #staged: { digests: Buffer; items: AggregateItem[]; uuid: string | undefined } | undefined;
  #figures: ReadFigures = { parsed: 0, reused: 0, whole: false };

  /** `intern` returns a shared copy of a key (default: the key itself). */
  constructor(private readonly intern: (s: string) => string = (s) => s) {}

  get figures(): ReadFigures {
    return this.#figures;
  }

  /**
   * The payload of `body`. Throws SyntaxError when the body is not JSON and PayloadError when it is not
   * a Periskop error list, as JSON.parse and parseClientPayload do.
   */
  read(body: Buffer, limits: Limits): ParsedPayload {
    const segments = splitPayload(body, Math.min(limits.aggregatesPerPayload, INCREMENTAL_MAX_AGGREGATES));
    if (segments === undefined) return this.#whole(body, limits);
    let envelope;
    try {
      envelope = readEnvelope(JSON.parse(segments.envelope));
    } catch {
      return this.#whole(body, limits);
    }
    const reuse = this.#known && this.#uuid === envelope.targetUuid;
    const { starts, ends } = segments;
    const items: AggregateItem[] = [];
    const next: AggregateItem[] = [];
    // Its own memory, not a slice of the shared pool: it is kept until the next commit.
    const digests = Buffer.allocUnsafeSlow(starts.length * DIGEST_BYTES);
    let parsed = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i] as number;
      const end = ends[i] as number;
      const at = i * DIGEST_BYTES;
      digests.write(hash('sha1', body.subarray(start, end), 'binary'), at, DIGEST_BYTES, 'binary');
      let item = reuse ? this.#items.find(digests, at) : undefined;
      if (item === undefined) {
        let raw: unknown;
        try {
          raw = JSON.parse(body.toString('utf8', start, end));
        } catch {
          // The whole body is not JSON either: the full parse names the error as it always did.
          return this.#whole(body, limits);
        }
        item = readAggregate(raw, limits);
        next.push(kept(item, this.intern));
        parsed++;
      } else {
        next.push(item);
      }
      items.push(item);
    }
    this.#staged = { digests, items: next, uuid: envelope.targetUuid };
    this.#figures = { parsed, reused: starts.length - parsed, whole: false };
    return assemblePayload(envelope.targetUuid, items, starts.length);
  }

  /** The last payload read was ingested: the next body of the same instance may reuse its aggregates. */
  commit(): void {
    if (this.#staged === undefined) return;
    this.#items = KnownAggregates.of(this.#staged.digests, this.#staged.items);
    this.#uuid = this.#staged.uuid;
    this.#known = true;
    this.#staged = undefined;
  }

  /** Forgets everything (the next body is parsed in full). */
  reset(): void {
    this.#items = KnownAggregates.EMPTY;
    this.#known = false;
    this.#staged = undefined;
  }

  #whole(body: Buffer, limits: Limits): ParsedPayload {
    this.reset();
    const payload = parseClientPayload(JSON.parse(body.toString('utf8')), limits);
    this.#figures = { parsed: payload.aggregates.length, reused: 0, whole: true };
    return payload;
  }
}
