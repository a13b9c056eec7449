/** A fresh buffer's size when the body's length is not known; it doubles as the body arrives. */
const INITIAL_BYTES = 64 * 1024;
/** The most a declared length reserves up front (a typical Periskop body, 50 keys x 10 samples, is about 280 KB). */
const MAX_HINTED_BYTES = 1024 * 1024;

/**
 * One body being read: a growable buffer the socket's chunks are copied into as they arrive. Taken
 * from BodyBuffers for one scrape and given back when its payload was ingested; `bytes` is only valid
 * until then.
 */
export class BodyBuffer {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.#buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Copies `chunk` at the end, growing (doubling) when it does not fit. */
  append(chunk: Uint8Array): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      let size = this.#buffer.length * 2;
      while (size < needed) size *= 2;
      const bigger = Buffer.allocUnsafeSlow(size);
      this.#buffer.copy(bigger, 0, 0, this.#length);
      this.#buffer = bigger;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  /** The bytes read so far (a view, not a copy). */
  get bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  get capacity(): number {
    return this.#buffer.length;
  }

  clear(): void {
    this.#length = 0;
  }
}

/**
 * Buffers that scraped bodies are read into, reused from scrape to scrape. A scrape takes one when its
 * body's first bytes arrive, not while it waits for an answer, and gives it back once the payload was
 * ingested, so the buffers in use are those of the bodies being received or read at that moment.
 * The free list holds at most `keepBytes` in all, and never a buffer grown past `largestKept` by an
 * unusually large body, so what it keeps is bounded whatever the targets send. Owned by the scrape
 * pool; lives as long as the agent.
 */
export class BodyBuffers {
  readonly #free: BodyBuffer[] = [];
  #freeBytes = 0;

  constructor(
    private readonly keepBytes = 4 * 1024 * 1024,
    private readonly largestKept = 2 * 1024 * 1024,
  ) {}

  /**
   * An empty buffer, with room for `expectedBytes` when that is known (a declared Content-Length): a
   * kept buffer that large if there is one, else a new one of that size, so a body is not copied as
   * its buffer grows. The hint is capped (a declared length is the target's word, not its bytes).
   */
  take(expectedBytes = 0): BodyBuffer {
    // Rounded up, so a kept buffer still fits the same target's next body, a few bytes longer.
    const wanted = Math.ceil(Math.min(expectedBytes, MAX_HINTED_BYTES) / INITIAL_BYTES) * INITIAL_BYTES;
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const buffer = this.#free[i] as BodyBuffer;
      if (buffer.capacity < wanted) continue;
      this.#free.splice(i, 1);
      this.#freeBytes -= buffer.capacity;
      buffer.clear();
      return buffer;
    }
    return new BodyBuffer(Math.max(INITIAL_BYTES, wanted));
  }

  /** Gives a buffer back once nothing refers to its bytes any more. */
  give(buffer: BodyBuffer): void {
    if (buffer.capacity > this.largestKept || this.#freeBytes + buffer.capacity > this.keepBytes) return;
    this.#free.push(buffer);
    this.#freeBytes += buffer.capacity;
  }

  /** Bytes held by the free list (for tests). */
  get freeBytes(): number {
    return this.#freeBytes;
  }
}
