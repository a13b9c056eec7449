import type { LinkConnection, LinkSource } from '../../common/federation/link-source.js';
import type { Intake } from '../../common/federation/intake.js';
import type { WireTarget } from '../../common/federation/messages.js';
import type { Aggregator } from '../aggregate/aggregator.js';
import type { AgentGroup } from '../aggregate/group.js';
import { wireTally } from '../aggregate/group-tags.js';

/**
 * The agent as a federation source: its groups carry one lineage, its own (ref 0, implicit in the
 * hello), so an agent never sends lineage definitions.
 */
export class AgentLinkSource implements LinkSource<AgentGroup> {
  constructor(
    private readonly aggregator: Aggregator,
    private readonly targets: () => WireTarget[],
    private readonly intakeFigures: () => Intake | undefined = () => undefined,
  ) {}

  intake(): Intake | undefined {
    return this.intakeFigures();
  }

  allGroups(): Iterable<AgentGroup> {
    return this.aggregator.groups();
  }

  allTargets(): WireTarget[] {
    return this.targets();
  }

  currentSampleMark(): number {
    return this.aggregator.currentSampleMark();
  }

  openConnection(): LinkConnection<AgentGroup> {
    const aggregator = this.aggregator;
    return {
      toWire(g, sinceMark) {
        const samples = sinceMark < 0 ? g.samples : g.samples.filter((s) => aggregator.sampleMark(s) > sinceMark);
        const environments = wireTally(g.environments);
        const releases = wireTally(g.releases);
        return {
          service: g.service,
          group: {
            key: g.key, severity: g.severity, counts: [[0, g.count]], created_at: g.createdAt, last_seen: g.lastSeen, samples,
            ...(environments === undefined ? {} : { environments }), ...(releases === undefined ? {} : { releases }),
          },
        };
      },
      pendingLineageDefs: () => undefined,
      commitLineageDefs: () => undefined,
      rollbackLineageDefs: () => undefined,
    };
  }
}
