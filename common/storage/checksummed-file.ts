import { open, rename, readFile, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { crc32 } from 'node:zlib';

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

export async function writeChecksummedFile(file: string, magic: string, version: number, payload: Uint8Array): Promise<void> {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(magic.slice(0, 4).padEnd(4), 0, 'latin1');
  header.writeUInt8(version, 4);
  header.writeBigUInt64BE(BigInt(payload.length), 5);
  header.writeUInt32BE(crc32(payload), 13);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writev([header, payload]);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(file));
}

/**
 * Like writeChecksummedFile, for a payload produced in parts (a large snapshot): each part is written
 * before the next is asked for, so the producer's work is spread over many turns of the event loop and
 * the whole payload is never in memory at once. The header (length, crc32) is written last, at the
 * start of the temp file, before the fsync and the rename. Returns the payload's length.
 */
export async function writeChecksummedFileParts(file: string, magic: string, version: number, parts: Iterable<Uint8Array>): Promise<number> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  let length = 0;
  let crc = 0;
  try {
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
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(magic.slice(0, 4).padEnd(4), 0, 'latin1');
    header.writeUInt8(version, 4);
    header.writeBigUInt64BE(BigInt(length), 5);
    header.writeUInt32BE(crc, 13);
    await handle.write(header, 0, HEADER_BYTES, 0);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(file));
  return length;
}

/** fsync of a directory makes a rename durable (a no-op where the platform does not allow it). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle?.close();
  }
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
