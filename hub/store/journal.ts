import { readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { pack, unpack } from 'msgpackr';
import { z } from 'zod';
import { checkedParser, SchemaMismatch } from '../../common/schema/checked-parse.js';
import { CountSchema, MsSchema } from '../../common/schema/scalars.js';
import { CorruptFileError } from '../../common/storage/checksummed-file.js';
import { createFileDurably, replaceFileDurably } from '../../common/storage/durable-file.js';

/** A user action that must survive a crash: appended and fsynced before the API answers. */
export const JournalRecordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('resolve'), service: z.string(), key: z.string(), at: MsSchema, total: CountSchema }),
  z.object({ op: z.literal('unresolve'), service: z.string(), key: z.string(), at: MsSchema }),
]);
export type JournalRecord = z.infer<typeof JournalRecordSchema>;
const parseRecord = checkedParser(JournalRecordSchema);

const FILE_RE = /^journal-(\d{6,})\.log$/;
/** No record is larger (keys are at most a few KiB): a bigger length field is damage, not a torn write. */
const MAX_RECORD_BYTES = 1024 * 1024;
const fileName = (n: number) => `journal-${String(n).padStart(6, '0')}.log`;

/**
 * The journal: numbered append-only files of framed records ([length u32][crc32 u32][msgpack]).
 * A snapshot switches to a new file at capture time and deletes older files once written, so records
 * appended while a snapshot is being written are never lost. Owned by the hub store.
 */
export class Journal {
  private handle: FileHandle | undefined;
  /** The last append or rotation asked for; the next one starts after it. */
  #last: Promise<void> = Promise.resolve();
  private current = 0;
  /** Bytes of the current file that hold whole records (a failed append is cut back to it). */
  private size = 0;

  /** `create` opens a new file for appending (a test passes a layer that can fail like a full disk). */
  constructor(
    private readonly dir: string,
    private readonly create: (file: string) => Promise<FileHandle> = createFileDurably,
  ) {}

  /** Existing journal numbers, ascending. */
  async files(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.map((n) => FILE_RE.exec(n)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => a - b);
  }

  /**
   * Reads the records of files numbered `from` and above, in order. A record cut short at the very end
   * of the newest file (a crash during an append that was never acknowledged) is reported through
   * `onTornTail` and its bytes moved aside; any other damage throws CorruptFileError.
   */
  async replay(from: number, apply: (r: JournalRecord) => void, onTornTail: (file: string, bytes: number) => void): Promise<number> {
    const numbers = (await this.files()).filter((n) => n >= from);
    let count = 0;
    for (const [i, n] of numbers.entries()) {
      const file = join(this.dir, fileName(n));
      const data = await readFile(file);
      let off = 0;
      while (off < data.length) {
        const newest = i === numbers.length - 1;
        if (data.length - off >= 4 && data.readUInt32BE(off) > MAX_RECORD_BYTES) {
          throw new CorruptFileError(file, `the record at byte ${off} claims ${data.readUInt32BE(off)} bytes, more than any record has`);
        }
        if (data.length - off < 8 || data.length - off < 8 + data.readUInt32BE(off)) {
          if (!newest) throw new CorruptFileError(file, `record at byte ${off} is cut short`);
          await this.setAsideTail(file, data, off);
          onTornTail(file, data.length - off);
          break;
        }
        const length = data.readUInt32BE(off);
        const payload = data.subarray(off + 8, off + 8 + length);
        if (crc32(payload) !== data.readUInt32BE(off + 4)) throw new CorruptFileError(file, `checksum mismatch in the record at byte ${off}`);
        apply(decodeRecord(payload, file, off));
        count++;
        off += 8 + length;
      }
    }
    this.current = numbers.length > 0 ? (numbers[numbers.length - 1] as number) : from;
    return count;
  }

  /** Keeps the torn bytes in a side file (never silently discarded) and truncates the journal. */
  private async setAsideTail(file: string, data: Buffer, off: number): Promise<void> {
    await replaceFileDurably(`${file}.torn-${Date.now()}`, (h) => h.writeFile(data.subarray(off)));
    await replaceFileDurably(file, (h) => h.writeFile(data.subarray(0, off)));
  }

  /** Opens the current file for appending (after replay). */
  async openForAppend(): Promise<void> {
    if (this.current === 0) this.current = 1;
    this.handle = await this.create(join(this.dir, fileName(this.current)));
    this.size = (await this.handle.stat()).size;
  }

  /**
   * Appends a record and fsyncs it; only then may the caller answer the user. Callers apply the
   * change to the state *before* calling this, so a snapshot either contains the change or was
   * captured before it and the record lands in a file the snapshot does not prune. A failed append
   * (a full disk) is cut off the file, so the next one after it starts on a record boundary.
   */
  append(record: JournalRecord): Promise<void> {
    return this.#serial(async () => {
      const handle = this.handle;
      if (handle === undefined) throw new Error('journal is not open');
      const payload = pack(record);
      const header = Buffer.alloc(8);
      header.writeUInt32BE(payload.length, 0);
      header.writeUInt32BE(crc32(payload), 4);
      try {
        await handle.writev([header, payload]);
        await handle.sync();
      } catch (err) {
        await handle.truncate(this.size).catch(() => undefined);
        throw err;
      }
      this.size += header.length + payload.length;
    });
  }

  /**
   * Starts a new file; returns its number (the snapshot's `journalFrom`). Runs after the appends
   * already asked for, so none of them finds its file closed between its write and its fsync.
   */
  rotate(): Promise<number> {
    return this.#serial(async () => {
      const next = await this.create(join(this.dir, fileName(this.current + 1)));
      const old = this.handle;
      this.current++;
      this.handle = next;
      this.size = 0;
      await old?.close();
      return this.current;
    });
  }

  /** Appends and rotations one at a time, in the order asked (a failed one does not stop the next). */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#last.then(op);
    this.#last = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Deletes files numbered below `from` (they are inside a snapshot now). */
  async prune(from: number): Promise<void> {
    for (const n of await this.files()) if (n < from) await unlink(join(this.dir, fileName(n))).catch(() => undefined);
  }

  /** Closes the file once the appends and rotations asked for are done. */
  close(): Promise<void> {
    return this.#serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }
}

/** A record whose checksum matched but whose content is not a user action is damage all the same. */
function decodeRecord(payload: Buffer, file: string, off: number): JournalRecord {
  let r: unknown;
  try {
    r = unpack(payload);
  } catch (err) {
    throw new CorruptFileError(file, `the record at byte ${off} cannot be decoded (${(err as Error).message})`);
  }
  try {
    return parseRecord(r);
  } catch (err) {
    if (!(err instanceof SchemaMismatch)) throw err;
    throw new CorruptFileError(file, `the record at byte ${off} is not a resolve or unresolve (${err.message})`);
  }
}
