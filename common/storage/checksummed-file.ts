import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { replaceFileDurably } from './durable-file.js';

/**
 * A file whose content is checked on read: 4-byte magic, 1-byte format version, 8-byte payload length,
 * 4-byte crc32 of the payload, then the payload. Written atomically (temp file, fsync, rename, fsync
 * of the directory), so a reader sees the old file or the new one, never half of one.
 * Used for the hub's snapshot and the agent's state; both live as long as their data_dir/state_dir.
 */
const HEADER_BYTES = 4 + 1 + 8 + 4;

/** A file that exists but cannot be trusted. Never silently replaced: the operator decides. */
export class CorruptFileError extends Error {
  readonly code = 'CN_ERR_CORRUPT_FILE';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} is corrupt (${reason}); it was left untouched. Move it away to start without it, or restore a backup.`);
  }
}

function header(magic: string, version: number, length: number, crc: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(magic.slice(0, 4).padEnd(4), 0, 'latin1');
  h.writeUInt8(version, 4);
  h.writeBigUInt64BE(BigInt(length), 5);
  h.writeUInt32BE(crc, 13);
  return h;
}

export async function writeChecksummedFile(file: string, magic: string, version: number, payload: Uint8Array): Promise<void> {
  await replaceFileDurably(file, async (handle) => {
    await handle.writev([header(magic, version, payload.length, crc32(payload)), payload]);
  });
}

/**
 * Like writeChecksummedFile, for a payload produced in parts (a large snapshot): each part is written
 * before the next is asked for, so the producer's work is spread over many turns of the event loop and
 * the whole payload is never in memory at once. The header (length, crc32) is written last, at the
 * start of the temp file, before the fsync and the rename. Returns the payload's length.
 */
export async function writeChecksummedFileParts(file: string, magic: string, version: number, parts: Iterable<Uint8Array>): Promise<number> {
  let length = 0;
  await replaceFileDurably(file, async (handle) => {
    let crc = 0;
    let position = HEADER_BYTES;
    for (const part of parts) {
      crc = crc32(part, crc);
      length += part.length;
      let written = 0;
      while (written < part.length) {
        const { bytesWritten } = await handle.write(part, written, part.length - written, position);
        written += bytesWritten;
        position += bytesWritten;
      }
    }
    await handle.write(header(magic, version, length, crc), 0, HEADER_BYTES, 0);
  });
  return length;
}

/**
 * Reads and verifies a checksummed file. Returns undefined when it does not exist; throws
 * CorruptFileError when it exists but fails any check.
 */
export async function readChecksummedFile(file: string, magic: string, maxVersion: number): Promise<{ version: number; payload: Buffer } | undefined> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (data.length < HEADER_BYTES) throw new CorruptFileError(file, `only ${data.length} bytes, shorter than the header`);
  const gotMagic = data.toString('latin1', 0, 4);
  if (gotMagic !== magic.slice(0, 4).padEnd(4)) throw new CorruptFileError(file, `unexpected file type "${gotMagic}"`);
  const version = data.readUInt8(4);
  if (version > maxVersion) throw new CorruptFileError(file, `format version ${version} is newer than this build understands (${maxVersion})`);
  const length = Number(data.readBigUInt64BE(5));
  if (data.length - HEADER_BYTES !== length) {
    throw new CorruptFileError(file, `truncated: header says ${length} payload bytes, file has ${data.length - HEADER_BYTES}`);
  }
  const payload = data.subarray(HEADER_BYTES);
  const expected = data.readUInt32BE(13);
  const actual = crc32(payload);
  if (actual !== expected) throw new CorruptFileError(file, `checksum mismatch (expected ${expected.toString(16)}, got ${actual.toString(16)})`);
  return { version, payload };
}
