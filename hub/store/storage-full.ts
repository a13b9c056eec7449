import { HttpError } from '../../common/http/http-error.js';

/** Errors of a filesystem with no space left for this process (full disk, quota). */
export function isNoSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * A user action refused because data_dir is full: nothing acknowledged was lost, and the user is told
 * what is wrong (507 storage_full) instead of a generic 500. Writes work again once space is back.
 */
export class StorageFullError extends HttpError {
  constructor(readonly dataDir: string) {
    super(507, 'storage_full', `the hub's data_dir ${dataDir} is full: the change was not saved; free space there and try again`);
  }
}
