import type { FileHandle } from 'node:fs/promises';
import { createFileDurably } from '../../common/storage/durable-file.js';

/**
 * A file layer that behaves like a full disk while `full` is set: a write puts part of its bytes on
 * disk, then fails with ENOSPC, as write(2) does when the device fills up mid-record. Given to
 * HubStore as its `create` (a fault-injecting file layer where a test cannot make a small filesystem).
 */
export function diskThatFills() {
  const disk = { full: false };
  const create = async (file: string): Promise<FileHandle> => {
    const handle = await createFileDurably(file);
    const writev = handle.writev.bind(handle);
    handle.writev = (async (buffers: NodeJS.ArrayBufferView[]) => {
      if (!disk.full) return writev(buffers);
      await handle.write((buffers[0] as Buffer).subarray(0, 5));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as FileHandle['writev'];
    return handle;
  };
  return { disk, create };
}
