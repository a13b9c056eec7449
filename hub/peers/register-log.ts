import { type FileHandle, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { pack, unpack } from 'msgpackr';
import { z } from 'zod';
import { type RegisterEntry, RegisterEntrySchema } from '../../common/federation/peer-messages.js';
import { checkedParser } from '../../common/schema/checked-parse.js';
import { CorruptFileError } from '../../common/storage/checksummed-file.js';
import { createFileDurably, replaceFileDurably } from '../../common/storage/durable-file.js';

/** One record of the register log: the entries one change (a user action, a peer message) brought. */
export const RegisterLogRecordSchema = z.array(RegisterEntrySchema).min(1).max(100_000);
const parseRecord = checkedParser(RegisterLogRecordSchema);

export const REGISTER_LOG_FILE = 'peer-register.log';
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

function frame(entries: readonly RegisterEntry[]): Buffer[] {
  const payload = pack(entries);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return [header, payload];
}

/**
 * The durable copy of the user register (hub/peers/user-register.ts) in `data_dir`: framed records
 * ([length u32][crc32 u32][msgpack entries]), each fsynced before the user action is answered or the
 * peer message acknowledged. When it holds far more records than live entries it is rewritten
 * atomically with only the live ones. Owned by the peering; lives until close().
 */
export class RegisterLog {
  private handle: FileHandle | undefined;
  #last: Promise<void> = Promise.resolve();
  /** Entries written since the last rewrite (superseded ones included). */
  private written = 0;

  constructor(private readonly dir: string) {}

  get file(): string {
    return join(this.dir, REGISTER_LOG_FILE);
  }

  /** Reads every entry in file order. A record cut short at the end (a crash mid-append) is dropped. */
  async replay(apply: (e: RegisterEntry) => void): Promise<{ entries: number; tornBytes: number }> {
    const data = await readFile(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    });
    let off = 0;
    let tornBytes = 0;
    while (off < data.length) {
      const length = data.length - off >= 4 ? data.readUInt32BE(off) : 0;
      if (length > MAX_RECORD_BYTES) throw new CorruptFileError(this.file, `the record at byte ${off} claims ${length} bytes`);
      if (data.length - off < 8 || data.length - off < 8 + length) {
        tornBytes = data.length - off;
        break;
      }
      const payload = data.subarray(off + 8, off + 8 + length);
      if (crc32(payload) !== data.readUInt32BE(off + 4)) throw new CorruptFileError(this.file, `checksum mismatch in the record at byte ${off}`);
      let entries: RegisterEntry[];
      try {
        entries = parseRecord(unpack(payload));
      } catch (err) {
        throw new CorruptFileError(this.file, `the record at byte ${off} is not a list of register entries (${(err as Error).message})`);
      }
      for (const e of entries) apply(e);
      this.written += entries.length;
      off += 8 + length;
    }
    if (tornBytes > 0) await replaceFileDurably(this.file, (h) => h.writeFile(data.subarray(0, off)));
    return { entries: this.written, tornBytes };
  }

  async open(): Promise<void> {
    this.handle = await createFileDurably(this.file);
  }

  /** Appends and fsyncs; resolves once durable. */
  append(entries: readonly RegisterEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#serial(async () => {
      if (this.handle === undefined) throw new Error('register log is not open');
      await this.handle.writev(frame(entries));
      await this.handle.sync();
      this.written += entries.length;
    });
  }

  /** Rewrites the file with only `live` entries when superseded ones outnumber them. */
  compactIfWorthIt(live: () => RegisterEntry[], liveCount: number): Promise<void> {
    if (this.written <= 2 * liveCount + 10_000) return Promise.resolve();
    return this.#serial(async () => {
      const entries = live();
      await this.handle?.close();
      this.handle = undefined;
      await replaceFileDurably(this.file, async (h) => {
        for (let i = 0; i < entries.length; i += 10_000) await h.writev(frame(entries.slice(i, i + 10_000)));
      });
      this.written = entries.length;
      this.handle = await createFileDurably(this.file);
    });
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#last.then(op);
    this.#last = run.then(() => undefined, () => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }
}
