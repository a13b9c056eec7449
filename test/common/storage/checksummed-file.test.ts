import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptFileError, readChecksummedFile, writeChecksummedFile, writeChecksummedFileParts } from '../../../common/storage/checksummed-file.js';

const MAGIC = 'CNTS';
const payload = Buffer.from('the whole state of a hub, or close enough');

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-checksummed-'));
  file = join(dir, 'state.bin');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a valid file, lets `damage` change its bytes, and returns what the reader throws. */
async function readDamaged(damage: (bytes: Buffer) => Buffer): Promise<{ error: unknown; untouched: boolean }> {
  await writeChecksummedFile(file, MAGIC, 1, payload);
  const damaged = damage(await readFile(file));
  await writeFile(file, damaged);
  const error = await readChecksummedFile(file, MAGIC, 1).then(() => undefined, (err: unknown) => err);
  const untouched = (await readFile(file)).equals(damaged);
  return { error, untouched };
}

describe('checksummed files', () => {
  it('reads back what was written, with its version', async () => {
    await writeChecksummedFile(file, MAGIC, 1, payload);
    const read = await readChecksummedFile(file, MAGIC, 1);
    expect(read?.version).toBe(1);
    expect(read?.payload.equals(payload)).toBe(true);
  });

  it('reads back an empty payload', async () => {
    await writeChecksummedFile(file, MAGIC, 1, new Uint8Array(0));
    expect((await readChecksummedFile(file, MAGIC, 1))?.payload.length).toBe(0);
  });

  it('reads an older format version', async () => {
    await writeChecksummedFile(file, MAGIC, 1, payload);
    expect((await readChecksummedFile(file, MAGIC, 3))?.version).toBe(1);
  });

  it('replaces an existing file and leaves no temporary file behind', async () => {
    await writeChecksummedFile(file, MAGIC, 1, Buffer.from('old'));
    await writeChecksummedFile(file, MAGIC, 1, payload);
    expect((await readChecksummedFile(file, MAGIC, 1))?.payload.equals(payload)).toBe(true);
    expect(await readdir(dir)).toEqual(['state.bin']);
  });

  it('returns undefined for a file that does not exist', async () => {
    expect(await readChecksummedFile(join(dir, 'missing.bin'), MAGIC, 1)).toBeUndefined();
  });

  it('reports a file truncated in its payload, and leaves it untouched', async () => {
    const { error, untouched } = await readDamaged((b) => b.subarray(0, b.length - 3));
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CorruptFileError).code).toBe('CN_ERR_CORRUPT_FILE');
    expect((error as CorruptFileError).reason).toContain('truncated');
    expect(untouched).toBe(true);
  });

  it('reports a file shorter than its header', async () => {
    const { error, untouched } = await readDamaged((b) => b.subarray(0, 6));
    expect((error as CorruptFileError).code).toBe('CN_ERR_CORRUPT_FILE');
    expect((error as CorruptFileError).reason).toContain('shorter than the header');
    expect(untouched).toBe(true);
  });

  it('reports a file with trailing bytes as not matching its length', async () => {
    const { error } = await readDamaged((b) => Buffer.concat([b, Buffer.from('junk')]));
    expect((error as CorruptFileError).reason).toContain('header says');
  });

  it('reports a flipped payload byte as a checksum mismatch, and leaves the file untouched', async () => {
    const { error, untouched } = await readDamaged((b) => {
      const copy = Buffer.from(b);
      copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
      return copy;
    });
    expect((error as CorruptFileError).code).toBe('CN_ERR_CORRUPT_FILE');
    expect((error as CorruptFileError).reason).toContain('checksum mismatch');
    expect(untouched).toBe(true);
  });

  it('reports a file of another kind by its magic', async () => {
    const { error, untouched } = await readDamaged((b) => Buffer.concat([Buffer.from('PK\u0003\u0004'), b.subarray(4)]));
    expect((error as CorruptFileError).code).toBe('CN_ERR_CORRUPT_FILE');
    expect((error as CorruptFileError).reason).toContain('unexpected file type');
    expect(untouched).toBe(true);
  });

  it('reports a format version newer than this build understands', async () => {
    await writeChecksummedFile(file, MAGIC, 2, payload);
    const before = await readFile(file);
    const error = await readChecksummedFile(file, MAGIC, 1).then(() => undefined, (err: unknown) => err);
    expect((error as CorruptFileError).code).toBe('CN_ERR_CORRUPT_FILE');
    expect((error as CorruptFileError).reason).toContain('format version 2 is newer');
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  it('names the damaged file', async () => {
    const { error } = await readDamaged((b) => b.subarray(0, 2));
    expect((error as CorruptFileError).file).toBe(file);
    expect((error as Error).message).toContain(file);
  });
});

describe('checksummed files written in parts', () => {
  it('reads back the parts as one payload, the same file as written at once', async () => {
    const parts = [Buffer.from('the whole '), Buffer.alloc(0), Buffer.from('state of a hub, '), Buffer.from('or close enough')];
    const length = await writeChecksummedFileParts(file, MAGIC, 2, parts);
    expect(length).toBe(payload.length);
    const inParts = await readFile(file);
    const read = await readChecksummedFile(file, MAGIC, 2);
    expect(read?.payload.equals(payload)).toBe(true);
    await writeChecksummedFile(file, MAGIC, 2, payload);
    expect((await readFile(file)).equals(inParts)).toBe(true);
  });

  it('leaves the previous file and no temp file when producing a part fails', async () => {
    await writeChecksummedFile(file, MAGIC, 1, payload);
    function* failing(): Generator<Buffer> {
      yield Buffer.from('half');
      throw new Error('encoder failed');
    }
    await expect(writeChecksummedFileParts(file, MAGIC, 2, failing())).rejects.toThrow('encoder failed');
    expect((await readChecksummedFile(file, MAGIC, 2))?.payload.equals(payload)).toBe(true);
    expect(await readdir(dir)).toEqual(['state.bin']);
  });
});
