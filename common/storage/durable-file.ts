import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` atomically and durably: `write` fills a temp file next to it, which is fsynced,
 * closed, renamed over `file`, and the directory fsynced, so after a crash a reader finds the old
 * file or the new one, never half of one, and never loses the rename. On any failure the temp file
 * is removed and the old file stays. The one way the hub and the agent replace a file.
 */
export async function replaceFileDurably(file: string, write: (handle: FileHandle) => Promise<void>, mode = 0o600): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await write(handle);
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
}

/**
 * Creates a new file for appending (a journal file) and fsyncs its directory, so the file itself
 * survives a crash once something appended to it was fsynced.
 */
export async function createFileDurably(file: string, mode = 0o600): Promise<FileHandle> {
  const handle = await open(file, 'a', mode);
  await syncDirectory(dirname(file));
  return handle;
}

/** fsync of a directory makes a rename or a creation durable (a no-op where the platform refuses it). */
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
