/** A fresh buffer's size: a typical Periskop body (50 keys x 10 samples) is about 280 KB. */
const INITIAL_BYTES = 64 * 1024;

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
 * Buffers that scraped bodies are read into, reused from scrape to scrape. Undici hands every socket
 * read over as a new ArrayBuffer; copied here and dropped at once, those die young instead of living
 * (and being counted by V8 against its old generation) until a whole body was received and joined.
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

  take(): BodyBuffer {
    const buffer = this.#free.pop();
    if (buffer === undefined) return new BodyBuffer();
    this.#freeBytes -= buffer.capacity;
    buffer.clear();
    return buffer;
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
