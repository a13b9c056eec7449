import { mkdtemp, readdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { pack } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptFileError } from '../../../common/storage/checksummed-file.js';
import { Journal, type JournalRecord } from '../../../hub/store/journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const resolve = (key: string, at: number): JournalRecord => ({ op: 'resolve', service: 's', key, at, total: 3 });

async function written(records: JournalRecord[]): Promise<string> {
  const j = new Journal(dir);
  await j.replay(1, () => undefined, () => undefined);
  await j.openForAppend();
  for (const r of records) await j.append(r);
  await j.close();
  return join(dir, 'journal-000001.log');
}

async function replayAll(): Promise<{ records: JournalRecord[]; torn: [string, number][] }> {
  const records: JournalRecord[] = [];
  const torn: [string, number][] = [];
  await new Journal(dir).replay(1, (r) => records.push(r), (file, bytes) => torn.push([file, bytes]));
  return { records, torn };
}

describe('journal', () => {
  it('keeps every append made while a snapshot rotates the file (none finds its file closed before its fsync)', async () => {
    const j = new Journal(dir);
    await j.replay(1, () => undefined, () => undefined);
    await j.openForAppend();
    const asked: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      asked.push(j.append(resolve(`k${i}`, i)));
      if (i % 3 === 0) asked.push(j.rotate());
    }
    await Promise.all(asked);
    await j.close();
    expect((await replayAll()).records.map((r) => r.key)).toEqual(Array.from({ length: 300 }, (_, i) => `k${i}`));
  });

  it('replays what was appended, in order', async () => {
    await written([resolve('a', 1), { op: 'unresolve', service: 's', key: 'a', at: 2 }]);
    expect((await replayAll()).records.map((r) => r.op)).toEqual(['resolve', 'unresolve']);
  });

  it('sets a torn last record aside in a .torn file and keeps the records before it', async () => {
    const file = await written([resolve('a', 1), resolve('b', 2)]);
    const whole = await readFile(file);
    await writeFile(file, whole.subarray(0, whole.length - 5));
    const { records, torn } = await replayAll();
    expect(records.map((r) => r.key)).toEqual(['a']);
    expect(torn).toEqual([[file, expect.any(Number)]]);
    const aside = (await readdir(dir)).filter((n) => n.includes('.torn-'));
    expect(aside).toHaveLength(1);
    const tornBytes = await readFile(join(dir, aside[0] as string));
    expect(Buffer.concat([await readFile(file), tornBytes]).equals(whole.subarray(0, whole.length - 5))).toBe(true);
  });

  it('refuses a record whose checksum does not match, leaving the file untouched', async () => {
    const file = await written([resolve('a', 1), resolve('b', 2)]);
    const bytes = await readFile(file);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    await writeFile(file, bytes);
    await expect(replayAll()).rejects.toThrow(CorruptFileError);
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });

  it('refuses a record with a right checksum that is not a resolve or unresolve, naming the field', async () => {
    const payload = pack({ op: 'resolve', service: 's', key: 'k', at: 1, total: -1 });
    const header = Buffer.alloc(8);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    const file = await written([resolve('a', 1)]);
    await appendFile(file, Buffer.concat([header, payload]));
    await expect(replayAll()).rejects.toThrow(/the record at byte \d+ is not a resolve or unresolve \(invalid at total/);
  });

  it('calls a length no record can have damage, not a torn write', async () => {
    const file = await written([resolve('a', 1), resolve('b', 2)]);
    const bytes = await readFile(file);
    bytes[0] = 0x7f;
    await writeFile(file, bytes);
    const err = await replayAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).message).toContain(file);
    expect((await readdir(dir)).filter((n) => n.includes('.torn-'))).toEqual([]);
  });

  it('refuses a cut record in an older file (only the newest file can have a torn tail)', async () => {
    const file = await written([resolve('a', 1)]);
    await appendFile(file, Buffer.from([0, 0, 0, 9]));
    await writeFile(join(dir, 'journal-000002.log'), Buffer.alloc(0));
    await expect(replayAll()).rejects.toThrow(/cut short/);
  });
});
