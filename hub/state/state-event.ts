import type { WireTarget } from '../../common/federation/messages.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { HubGroup } from './group.js';
import type { Source } from './sources.js';

/** Something in the state changed; listeners (live stream, notifications, metrics) get these. */
export type StateEvent =
  | {
    readonly type: 'group';
    readonly group: HubGroup;
    readonly isNew: boolean;
    readonly regressed: boolean;
    readonly grew: number;
    /** Samples this merge added to the group. */
    readonly added: readonly Occurrence[];
  }
  | { readonly type: 'resolution'; readonly group: HubGroup }
  /** Retention or max_groups forgot the group (it is no longer in the state). */
  | { readonly type: 'forgotten'; readonly group: HubGroup; readonly reason: ForgetReason }
  | {
    readonly type: 'source';
    readonly source: Source;
    /** Target health that changed in this message (empty for connection changes). */
    readonly changed: readonly WireTarget[];
    readonly removed: readonly [agent: string, service: string, url: string][];
    /** Only the source's intake figures changed: the upstream forwards them with its periodic source list, not at once. */
    readonly intakeOnly?: boolean;
  };

export interface MergeStats {
  groups: number;
  grew: number;
  newGroups: number;
  ignoredLower: number;
  /** New groups not created: over max_groups or over the source's limit. */
  refused: number;
}

/** Why a group was forgotten (group-bounds.ts). */
export type ForgetReason = 'retention' | 'max_groups';
