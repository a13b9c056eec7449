import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The hub's epoch as a federation source of its parent: stable while its data_dir lives (kept in
 * `data_dir/epoch`), new when the data_dir is lost, so the parent can tell a restart from a fresh start.
 */
export async function loadHubEpoch(dataDir: string): Promise<string> {
  const file = join(dataDir, 'epoch');
  try {
    const epoch = (await readFile(file, 'utf8')).trim();
    if (epoch !== '') return epoch;
  } catch {
    // first start with this data_dir
  }
  const epoch = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await writeFile(file, epoch + '\n');
  return epoch;
}
