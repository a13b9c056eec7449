import type { HubState } from '../state/hub-state.js';
import { decodeSnapshotV1 } from './snapshot-v1.js';
import { decodeSnapshotV2, snapshotFrames } from './snapshot-v2.js';

/**
 * The snapshot's content. Version 2 (snapshot-v2.ts) is written: frames, encoded a few thousand groups
 * at a time, with series, headlines and shared stack traces. Version 1 (snapshot-v1.ts: the whole
 * state as one msgpack value of compact arrays) is still read, so a hub upgrades in place.
 */
export const SNAPSHOT_VERSION = 2;

/** The whole snapshot payload in one buffer (the store writes frames one by one instead). */
export function encodeSnapshot(state: HubState, hubId: string, journalFrom: number, now: number): Buffer {
  return Buffer.concat([...snapshotFrames(state, hubId, journalFrom, now)]);
}

/** Loads a decoded payload of the given format version into an empty state. */
export function decodeSnapshot(payload: Buffer, state: HubState, version = SNAPSHOT_VERSION): { hubId: string; journalFrom: number; savedAt: number; notify?: unknown } {
  return version === 1 ? decodeSnapshotV1(payload, state) : decodeSnapshotV2(payload, state);
}
