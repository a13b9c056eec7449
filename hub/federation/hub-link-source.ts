import type { LinkConnection, LinkSource } from '../../common/federation/link-source.js';
import type { LineageDef, WireSourceStatus, WireTarget } from '../../common/federation/messages.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import { wireTallies } from '../state/group-tags.js';

/**
 * A hub as a federation source of its parent (DESIGN section 4): every group goes up with the
 * cumulative count of each lineage it holds (never a merged scalar), lineages declared once per
 * connection; samples are marked as they arrive so each link ships only the new ones.
 * Owned by the hub's Upstream; lives as long as the hub.
 */
export class HubLinkSource implements LinkSource<HubGroup> {
  private readonly marks = new WeakMap<Occurrence, number>();
  private mark = 0;

  constructor(private readonly state: HubState) {}

  /** Marks samples a merge added (called from the state's 'group' events). */
  samplesAdded(samples: readonly Occurrence[]): void {
    for (const s of samples) this.marks.set(s, ++this.mark);
  }

  *allGroups(): IterableIterator<HubGroup> {
    for (const groups of this.state.services.values()) yield* groups.values();
  }

  allTargets(): WireTarget[] {
    return this.state.targets();
  }

  /** This hub's sources and, flattened, theirs, with agents' OTLP figures (what a parent shows as the fleet below this hub). */
  sourcesStatus(): WireSourceStatus[] {
    const out: WireSourceStatus[] = [];
    for (const s of this.state.sources.values()) {
      const otlp = s.intake?.otlp;
      out.push({ name: s.name, kind: s.kind, connected: s.connected, labels: s.labels, epoch: s.lastEpoch, last_message_at: s.lastMessageAt, via: [], ...(otlp === undefined ? {} : { otlp }) });
      for (const c of s.children) if (c.via.length < 15) out.push({ ...c, via: [...c.via, s.name] });
    }
    return out;
  }

  currentSampleMark(): number {
    return this.mark;
  }

  openConnection(): LinkConnection<HubGroup> {
    const { state, marks } = this;
    const refs = new Map<number, number>();
    let pending: LineageDef[] = [];
    let pendingIds: number[] = [];
    const refFor = (id: number): number => {
      const known = refs.get(id);
      if (known !== undefined) return known;
      const ref = refs.size + 1;
      refs.set(id, ref);
      const lineage = state.lineages.get(id);
      if (lineage !== undefined) pending.push({ ref, name: lineage.name, epoch: lineage.epoch, labels: lineage.labels, via: lineage.via });
      pendingIds.push(id);
      return ref;
    };
    return {
      toWire(g, sinceMark) {
        const counts: [number, number][] = [];
        for (const [id, n] of g.counts) counts.push([refFor(id), n]);
        const samples = sinceMark < 0 ? g.samples : g.samples.filter((s) => (marks.get(s) ?? 0) > sinceMark);
        const environments = wireTallies(g.environments, refFor);
        const releases = wireTallies(g.releases, refFor);
        return {
          service: g.service,
          group: {
            key: g.key, severity: g.severity, counts, created_at: g.createdAt, last_seen: g.lastSeen, samples,
            ...(environments === undefined ? {} : { environments }), ...(releases === undefined ? {} : { releases }),
          },
        };
      },
      pendingLineageDefs: () => (pending.length > 0 ? pending : undefined),
      commitLineageDefs: () => {
        pending = [];
        pendingIds = [];
      },
      rollbackLineageDefs: () => {
        for (const id of pendingIds) refs.delete(id);
        pending = [];
        pendingIds = [];
      },
    };
  }
}
