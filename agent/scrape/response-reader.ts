/** Why a response could not be read: too large, or not a well-formed HTTP/1.x response. */
export class ResponseError extends Error {
  constructor(
    readonly reason: 'body_too_large' | 'protocol',
    message: string,
  ) {
    super(message);
  }
}

/** The status line and headers of a response; header names lower-case, repeated headers joined by ", ". */
export interface ResponseHead {
  readonly status: number;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: number;
  readonly headers: ReadonlyMap<string, string>;
}

export interface ResponseReaderOptions {
  /** Status line, headers and a chunked body's trailers, together (Node's own default is 16 KiB). */
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** The head arrived; return false to stop reading (the caller then closes the connection). */
  readonly onHead: (head: ResponseHead) => boolean;
  /** Body bytes as they arrive: a view of the caller's read buffer, valid only during the call. */
  readonly onBody: (bytes: Uint8Array) => void;
}

/** An HTTP field name (RFC 9110 token). */
export const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const CR = 13;
const LF = 10;
/** A chunk-size line is hex digits plus extensions; nothing legitimate comes close to this. */
const MAX_CHUNK_LINE = 1024;

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };
type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done' | 'stopped';

/**
 * Reads one HTTP/1.x response to a GET from the bytes of a connection, in whatever pieces they
 * arrive, without keeping them: body bytes go to `onBody` as views of the piece fed. Handles
 * Content-Length, chunked transfer coding (extensions and trailers skipped) and bodies delimited by
 * the connection's end; skips 1xx interim responses. Every size is capped (head, chunk lines, body)
 * and anything malformed throws ResponseError, so a hostile target costs at most the caps.
 * One reader per response; written for the scrape connection (plain-connection.ts), which feeds it
 * from one reused read buffer.
 *
 * Example: a reader fed `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi` in any split calls onHead
 * once, onBody with "h" and "i" (or "hi"), and `done` is then true with `keepAlive` true.
 */
export class ResponseReader {
  #state: State = 'head';
  /** Bytes of the current head, trailer section or chunk-size line (they may span pieces). */
  #line: number[] = [];
  #headBytes = 0;
  #framing: Framing = { kind: 'none' };
  #chunkLeft = 0;
  #bodyBytes = 0;
  #head: ResponseHead | undefined;
  #keepAlive = false;

  constructor(private readonly options: ResponseReaderOptions) {}

  /** The final (non-1xx) head, once read. */
  get head(): ResponseHead | undefined {
    return this.#head;
  }

  /** The whole response was read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Wants no more bytes: the response was read, or onHead stopped it. */
  get settled(): boolean {
    return this.#state === 'done' || this.#state === 'stopped';
  }

  /** The connection may carry another request: a complete HTTP/1.1 response that did not ask to close. */
  get keepAlive(): boolean {
    return this.#state === 'done' && this.#keepAlive;
  }

  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /**
   * Reads `data`. Returns the number of bytes it used: less than `data.length` only once the response
   * is done (bytes after it: the connection must not be reused) or onHead stopped it.
   */
  feed(data: Uint8Array): number {
    let i = 0;
    while (i < data.length) {
      switch (this.#state) {
        case 'head':
          i = this.#readHead(data, i);
          break;
        case 'body':
          i = this.#readBody(data, i);
          break;
        case 'chunk-size':
          i = this.#readChunkSize(data, i);
          break;
        case 'chunk-data':
          i = this.#readChunkData(data, i);
          break;
        case 'chunk-end':
          i = this.#readChunkEnd(data, i);
          break;
        case 'trailers':
          i = this.#readTrailers(data, i);
          break;
        case 'done':
        case 'stopped':
          return i;
      }
    }
    return i;
  }

  /** The connection ended: completes a body delimited by it, else throws (the response was cut). */
  end(): void {
    if (this.#state === 'done' || this.#state === 'stopped') return;
    if (this.#state === 'body' && this.#framing.kind === 'close') {
      this.#state = 'done';
      this.#keepAlive = false;
      return;
    }
    const where = this.#state === 'head' ? (this.#headBytes === 0 && this.#line.length === 0 ? 'before any response' : 'in the response head') : 'before the body was complete';
    throw new ResponseError('protocol', `the connection closed ${where}`);
  }

  #readHead(data: Uint8Array, start: number): number {
    const { end, complete } = this.#takeUntilBlankLine(data, start, 'response head');
    if (!complete) return end;
    const text = Buffer.from(this.#line).toString('latin1');
    this.#line = [];
    this.#headBytes = 0;
    const head = parseHead(text);
    if (head.status >= 100 && head.status < 200) {
      if (head.status === 101) throw new ResponseError('protocol', 'the target switched protocols (HTTP 101)');
      return end; // an interim response; the final one follows
    }
    this.#head = head;
    this.#keepAlive = head.minorVersion === 1 && !hasToken(head.headers.get('connection'), 'close');
    this.#framing = framingOf(head);
    if (this.#framing.kind === 'length' && this.#framing.left > this.options.maxBodyBytes) {
      throw new ResponseError('body_too_large', `body of ${this.#framing.left} bytes exceeds the limit of ${this.options.maxBodyBytes}`);
    }
    if (!this.options.onHead(head)) {
      this.#state = 'stopped';
      return end;
    }
    if (this.#framing.kind === 'close') this.#keepAlive = false;
    this.#state = this.#framing.kind === 'chunked' ? 'chunk-size' : this.#framing.kind === 'none' || (this.#framing.kind === 'length' && this.#framing.left === 0) ? 'done' : 'body';
    return end;
  }

  #readBody(data: Uint8Array, start: number): number {
    const framing = this.#framing;
    const take = framing.kind === 'length' ? Math.min(framing.left, data.length - start) : data.length - start;
    this.#emit(data, start, start + take);
    if (framing.kind === 'length') {
      framing.left -= take;
      if (framing.left === 0) this.#state = 'done';
    }
    return start + take;
  }

  #readChunkSize(data: Uint8Array, start: number): number {
    let i = start;
    while (i < data.length && data[i] !== LF) {
      this.#line.push(data[i] as number);
      i++;
      if (this.#line.length > MAX_CHUNK_LINE) throw new ResponseError('protocol', `a chunk-size line longer than ${MAX_CHUNK_LINE} bytes`);
    }
    if (i === data.length) return i;
    const line = Buffer.from(this.#line).toString('latin1').replace(/\r$/, '');
    this.#line = [];
    const match = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
    if (match === null) throw new ResponseError('protocol', `a malformed chunk size ${JSON.stringify(line.slice(0, 40))}`);
    const size = Number.parseInt(match[1] as string, 16);
    if (this.#bodyBytes + size > this.options.maxBodyBytes) {
      throw new ResponseError('body_too_large', `body exceeds the limit of ${this.options.maxBodyBytes} bytes`);
    }
    this.#chunkLeft = size;
    this.#state = size === 0 ? 'trailers' : 'chunk-data';
    return i + 1;
  }

  #readChunkData(data: Uint8Array, start: number): number {
    const take = Math.min(this.#chunkLeft, data.length - start);
    this.#emit(data, start, start + take);
    this.#chunkLeft -= take;
    if (this.#chunkLeft === 0) this.#state = 'chunk-end';
    return start + take;
  }

  /** The CRLF after a chunk's data (a bare LF is taken too). */
  #readChunkEnd(data: Uint8Array, start: number): number {
    let i = start;
    if (this.#line.length === 0 && data[i] === CR) {
      this.#line.push(CR);
      i++;
      if (i === data.length) return i;
    }
    if (data[i] !== LF) throw new ResponseError('protocol', 'a chunk not followed by CRLF');
    this.#line = [];
    this.#state = 'chunk-size';
    return i + 1;
  }

  /** Trailer fields after the last chunk, up to the blank line; read and dropped. */
  #readTrailers(data: Uint8Array, start: number): number {
    // The blank line may come at once: prime the head scanner as if a line had just ended.
    if (this.#line.length === 0) this.#line.push(LF);
    const { end, complete } = this.#takeUntilBlankLine(data, start, 'trailer section');
    if (complete) {
      this.#line = [];
      this.#state = 'done';
    }
    return end;
  }

  /** Collects bytes into #line until an empty line (LF LF, CRLF CRLF or a mix), within maxHeaderBytes. */
  #takeUntilBlankLine(data: Uint8Array, start: number, what: string): { end: number; complete: boolean } {
    const line = this.#line;
    for (let i = start; i < data.length; i++) {
      const byte = data[i] as number;
      line.push(byte);
      if (++this.#headBytes > this.options.maxHeaderBytes) {
        throw new ResponseError('protocol', `the ${what} exceeds ${this.options.maxHeaderBytes} bytes`);
      }
      if (byte !== LF) continue;
      const n = line.length;
      // LF LF, or LF CR LF: the previous line was empty.
      if ((n >= 2 && line[n - 2] === LF) || (n >= 3 && line[n - 2] === CR && line[n - 3] === LF)) return { end: i + 1, complete: true };
    }
    return { end: data.length, complete: false };
  }

  #emit(data: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.#bodyBytes += to - from;
    if (this.#bodyBytes > this.options.maxBodyBytes) {
      throw new ResponseError('body_too_large', `body exceeds the limit of ${this.options.maxBodyBytes} bytes`);
    }
    this.options.onBody(data.subarray(from, to));
  }
}

/** Parses a status line and header fields (lines ending in CRLF or LF). Throws ResponseError. */
export function parseHead(text: string): ResponseHead {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (status === null) throw new ResponseError('protocol', `not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    // Obsolete line folding and names with spaces are refused, as llhttp does.
    if (colon <= 0 || !FIELD_NAME.test(line.slice(0, colon))) {
      throw new ResponseError('protocol', `a malformed header line ${JSON.stringify(line.slice(0, 60))}`);
    }
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return { status: Number(status[2]), minorVersion: Number(status[1]), headers };
}

function hasToken(value: string | undefined, token: string): boolean {
  return value !== undefined && value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** How the body is delimited (RFC 9112 section 6.3, for a response to a GET). */
function framingOf(head: ResponseHead): Framing {
  if (head.status === 204 || head.status === 304) return { kind: 'none' };
  const te = head.headers.get('transfer-encoding');
  if (te !== undefined) {
    const codings = te.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '' && t !== 'identity');
    // Only chunked framing: any other transfer coding (gzip, ...) is refused rather than guessed at;
    // a body's compression belongs in Content-Encoding, which the scraper undoes.
    if (codings.length === 1 && codings[0] === 'chunked') return { kind: 'chunked' };
    throw new ResponseError('protocol', `an unsupported Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`);
  }
  const length = head.headers.get('content-length');
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw new ResponseError('protocol', `an invalid Content-Length ${JSON.stringify(length.slice(0, 40))}`);
  }
  return { kind: 'length', left: Number(only) };
}
