import { Packr } from 'msgpackr';
import type { Occurrence } from '../../common/occurrence.js';
import type { Severity } from '../../common/severity.js';
import type { WireTarget } from '../../common/federation/messages.js';
import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import type { Lineage } from '../state/lineages.js';
import { adoptSamples, decodeSnapshotV2, snapshotFrames } from './snapshot-v2.js';

/**
 * The snapshot's content. Version 2 (snapshot-v2.ts) is written: frames, encoded a few thousand groups
 * at a time, with series, headlines and shared stack traces. Version 1 (below: the whole state as
 * one msgpack value of compact arrays) is still read, so a hub upgrades in place.
 */
export const SNAPSHOT_VERSION = 2;

/** Version 1 layout. */
type SavedGroup = [
  key: string,
  severity: Severity,
  createdAt: number,
  lastSeen: number,
  /** Flat [lineage id, count, lineage id, count, ...]. */
  counts: number[],
  samples: Occurrence[],
  resolution: [at: number, total: number] | null,
  regressedAt: number,
  updatedAt: number,
];

interface SavedState {
  hubId: string;
  savedAt: number;
  /** Journal files with a number at or above this one still need replaying. */
  journalFrom: number;
  lineages: [id: number, name: string, epoch: string, labels: Record<string, string>, via: string[]][];
  sources: [name: string, kind: 'agent' | 'hub', lastEpoch: string, labels: Record<string, string>, acked: [string, number][], targets: WireTarget[]][];
  services: [name: string, groups: SavedGroup[]][];
}

const packr = new Packr({ useRecords: true });

/** The whole snapshot payload in one buffer (the store writes frames one by one instead). */
export function encodeSnapshot(state: HubState, hubId: string, journalFrom: number, now: number): Buffer {
  return Buffer.concat([...snapshotFrames(state, hubId, journalFrom, now)]);
}

/** Loads a decoded payload of the given format version into an empty state. */
export function decodeSnapshot(payload: Buffer, state: HubState, version = SNAPSHOT_VERSION): { hubId: string; journalFrom: number; savedAt: number; notify?: unknown } {
  return version === 1 ? decodeSnapshotV1(payload, state) : decodeSnapshotV2(payload, state);
}

/** Version 1 encoding, kept so tests can write the files older hubs left behind. */
export function encodeSnapshotV1(state: HubState, hubId: string, journalFrom: number, now: number): Buffer {
  const saved: SavedState = {
    hubId,
    savedAt: now,
    journalFrom,
    lineages: [...state.lineages.all()].map((l) => [l.id, l.name, l.epoch, l.labels, l.via]),
    sources: [...state.sources.values()].map((s) => [s.name, s.kind, s.lastEpoch, s.labels, [...s.ackedSeqs], [...s.targets.values()]]),
    services: [...state.services].map(([name, groups]) => [
      name,
      [...groups.values()].map((g): SavedGroup => {
        const counts: number[] = [];
        for (const [id, n] of g.counts) counts.push(id, n);
        return [g.key, g.severity, g.createdAt, g.lastSeen, counts, g.samples as Occurrence[], g.resolution ? [g.resolution.at, g.resolution.total] : null, g.regressedAt, g.updatedAt];
      }),
    ]),
  };
  return packr.pack(saved);
}

/** Loads a version 1 payload into an empty state; returns the hub id and journal position. */
export function decodeSnapshotV1(payload: Buffer, state: HubState): { hubId: string; journalFrom: number; savedAt: number } {
  const saved = packr.unpack(payload) as SavedState;
  const withSamples: HubGroup[] = [];
  for (const [id, name, epoch, labels, via] of saved.lineages) {
    const lineage: Lineage = { id, name, epoch, labels, via };
    state.lineages.restore(lineage);
  }
  for (const [name, kind, lastEpoch, labels, acked, targets] of saved.sources) {
    const s = state.source(name, kind, lastEpoch);
    s.labels = labels;
    for (const [epoch, seq] of acked) s.ackedSeqs.set(epoch, seq);
    for (const t of targets) s.targets.set(`${t.agent}\u0000${t.service}\u0000${t.url}`, t);
  }
  for (const [service, groups] of saved.services) {
    for (const [key, severity, createdAt, lastSeen, counts, samples, resolution, regressedAt, updatedAt] of groups) {
      const { group } = state.ensureGroup(service, key);
      group.severity = severity;
      group.createdAt = createdAt;
      group.lastSeen = lastSeen;
      let total = 0;
      for (let i = 0; i + 1 < counts.length; i += 2) {
        group.counts.set(counts[i] as number, counts[i + 1] as number);
        total += counts[i + 1] as number;
      }
      group.total = total;
      group.samples = samples;
      group.resolution = resolution ? { at: resolution[0], total: resolution[1] } : null;
      group.regressedAt = regressedAt;
      group.updatedAt = updatedAt;
      if (samples.length > 0) withSamples.push(group);
    }
  }
  adoptSamples(state, withSamples);
  return { hubId: saved.hubId, journalFrom: saved.journalFrom, savedAt: saved.savedAt };
}
