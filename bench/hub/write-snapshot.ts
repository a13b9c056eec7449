import { mkdir, stat } from 'node:fs/promises';
import { silentLogger } from '../../common/log.js';
import { HubStore } from '../../hub/store/hub-store.js';
import { type SyntheticStateSpec, syntheticState } from './synthetic.js';

/** What the harness asks the snapshot writer for. */
export interface WriteSnapshotRequest {
  readonly dataDir: string;
  readonly hubId: string;
  readonly spec: SyntheticStateSpec;
}

/** What it answers (on stdout, one JSON line). */
export interface WriteSnapshotAnswer {
  readonly groups: number;
  readonly samples: number;
  readonly sampleBytes: number;
  readonly snapshotBytes: number;
  readonly buildMs: number;
  readonly writeMs: number;
}

/**
 * Writes a hub data_dir holding a synthetic state, through the hub's own store (snapshot codec,
 * checksummed atomic file, journal), as a child process so a million groups never weigh on the
 * harness. Run as `node write-snapshot.js '<WriteSnapshotRequest JSON>'`.
 */
async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as WriteSnapshotRequest;
  await mkdir(request.dataDir, { recursive: true });
  const started = Date.now();
  const state = syntheticState(request.spec);
  const built = Date.now();
  const store = new HubStore(request.dataDir, state, silentLogger());
  await store.snapshot(request.hubId);
  await store.close();
  const stats = state.stats();
  const answer: WriteSnapshotAnswer = {
    groups: stats.groups, samples: stats.samples, sampleBytes: stats.sampleBytes,
    snapshotBytes: (await stat(store.snapshotFile)).size, buildMs: built - started, writeMs: Date.now() - built,
  };
  process.stdout.write(JSON.stringify(answer) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(`write-snapshot: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
