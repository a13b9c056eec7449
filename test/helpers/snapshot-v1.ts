import { Packr } from 'msgpackr';
import type { HubState } from '../../hub/state/hub-state.js';
import type { SavedStateV1 } from '../../hub/store/snapshot-v1.js';

const packr = new Packr({ useRecords: true });

/** Snapshot format 1 as older hubs wrote it, so tests can make the files they left behind. */
export function encodeSnapshotV1(state: HubState, hubId: string, journalFrom: number, now: number): Buffer {
  const saved: SavedStateV1 = {
    hubId,
    savedAt: now,
    journalFrom,
    lineages: [...state.lineages.all()].map((l) => [l.id, l.name, l.epoch, l.labels, l.via]),
    sources: [...state.sources.values()].map((s) => [s.name, s.kind, s.lastEpoch, s.labels, [...s.ackedSeqs], [...s.targets.values()]]),
    services: [...state.services].map(([name, groups]) => [
      name,
      [...groups.values()].map((g): SavedStateV1['services'][number][1][number] => {
        const counts: number[] = [];
        for (const [id, n] of g.counts) counts.push(id, n);
        return [g.key, g.severity, g.createdAt, g.lastSeen, counts, [...g.samples], g.resolution ? [g.resolution.at, g.resolution.total] : null, g.regressedAt, g.updatedAt];
      }),
    ]),
  };
  return packr.pack(saved);
}
