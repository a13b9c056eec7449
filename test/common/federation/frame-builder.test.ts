import { describe, expect, it } from 'vitest';
import { decodeSourceMessage } from '../../../common/federation/codec.js';
import { buildFrame, FRAME_FILL, type FrameContent } from '../../../common/federation/frame-builder.js';
import type { LinkConnection, SourceGroup } from '../../../common/federation/link-source.js';
import { WireStringEncoder } from '../../../common/federation/string-table.js';
import type { Occurrence } from '../../../common/occurrence.js';
import { occurrence } from '../../helpers/builders.js';

interface G { key: string; samples: Occurrence[] }

/** A connection that records which lineage definitions were committed or rolled back. */
function connection(): LinkConnection<G> & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    toWire: (g, since): { service: string; group: SourceGroup } => ({
      service: 'svc',
      group: { key: g.key, severity: 'error', counts: [[0, 1]], created_at: 0, last_seen: 0, samples: since === Number.MAX_SAFE_INTEGER ? [] : g.samples },
    }),
    pendingLineageDefs: () => undefined,
    commitLineageDefs: () => log.push('commit'),
    rollbackLineageDefs: () => log.push('rollback'),
  };
}

const big = (uuid: string, chars: number) => occurrence(uuid, 1, { chain: [{ class: 'E', message: uuid.repeat(chars / uuid.length), stacktrace: [] }] });

function content(groups: G[], overrides: Partial<FrameContent<G>> = {}): FrameContent<G> {
  return { seq: 7, groups, pendingGroups: groups.length, targets: [], removed: [], sources: undefined, targetsComplete: false, sync: undefined, sinceMark: () => -1, ...overrides };
}

describe('buildFrame', () => {
  it('sends every group in one frame when they fit', () => {
    const groups = [{ key: 'a', samples: [] }, { key: 'b', samples: [] }];
    const built = buildFrame(content(groups), connection(), new WireStringEncoder(), 1 << 20);
    expect(built.groups).toEqual(groups);
    expect(decodeSourceMessage(built.frame, 1 << 20)).toMatchObject({ t: 'delta', seq: 7 });
  });

  it('halves the groups until the frame fits under the fill share of the limit, rolling back each try', () => {
    const groups = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, samples: [big(`u${i}`, 1_000)] }));
    const conn = connection();
    const limit = 4_000;
    const built = buildFrame(content(groups), conn, new WireStringEncoder(), limit);
    expect(built.groups.length).toBeLessThan(8);
    expect(built.frame.length).toBeLessThanOrEqual(limit * FRAME_FILL);
    expect(conn.log.at(-1)).toBe('commit');
    expect(conn.log.filter((l) => l === 'rollback').length).toBeGreaterThan(0);
  });

  it('sends one group whose samples alone pass the limit with its counts only', () => {
    const built = buildFrame(content([{ key: 'huge', samples: [big('u', 10_000)] }]), connection(), new WireStringEncoder(), 2_000);
    expect(built.countsOnly).toBe(true);
    const m = decodeSourceMessage(built.frame, 1 << 20);
    expect(m.t === 'delta' && m.services[0]?.groups[0]?.samples).toEqual([]);
  });

  it('marks a sync part last only when it takes every pending group', () => {
    const groups = [{ key: 'a', samples: [] }];
    expect(buildFrame(content(groups, { sync: { part: 0 }, pendingGroups: 1 }), connection(), new WireStringEncoder(), 1 << 20).last).toBe(true);
    expect(buildFrame(content(groups, { sync: { part: 0 }, pendingGroups: 2 }), connection(), new WireStringEncoder(), 1 << 20).last).toBe(false);
  });
});
