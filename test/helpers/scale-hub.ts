import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WriteSnapshotAnswer, WriteSnapshotRequest } from '../../bench/hub/write-snapshot.js';
import { type UiScale, uiScaleSpec } from '../../bench/ui/scale-spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Writes a hub data_dir holding a UI-scale synthetic state with the hub's own store (the start-up
 * benchmark's snapshot writer, from the build in dist/), in a child process.
 */
export async function writeScaleSnapshot(dataDir: string, scale: UiScale, timeoutMs = 120_000): Promise<WriteSnapshotAnswer> {
  const request: WriteSnapshotRequest = { dataDir, hubId: 'ui-scale', spec: uiScaleSpec(scale, Date.now()) };
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist', 'bench', 'hub', 'write-snapshot.js'), JSON.stringify(request)], { timeout: timeoutMs, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim()) as WriteSnapshotAnswer;
}
