import type { Delta, Sync, WireTarget } from '../../common/federation/messages.js';
import { type Source, targetId } from './sources.js';

/** Target health a message changed at its source. */
export interface TargetChanges {
  readonly changed: readonly WireTarget[];
  readonly removed: readonly [agent: string, service: string, url: string][];
}

/**
 * Applies a message's target health to its source: a sync's first part (or a message marked
 * `targets_complete`) replaces the list, others update it. Returns what changed, undefined for nothing.
 */
export function applyTargets(source: Source, message: Sync | Delta): TargetChanges | undefined {
  const removed: [string, string, string][] = [...(message.targets_removed ?? [])];
  if ((message.t === 'sync' && message.part === 0) || message.targets_complete === true) {
    const kept = new Set(message.targets.map(targetId));
    for (const [id, t] of source.targets) if (!kept.has(id)) removed.push([t.agent, t.service, t.url]);
    source.targets.clear();
  }
  for (const t of message.targets) source.targets.set(targetId(t), t);
  for (const [agent, service, url] of removed) source.targets.delete(targetId({ agent, service, url }));
  return message.targets.length > 0 || removed.length > 0 ? { changed: message.targets, removed } : undefined;
}

/** Every target health reported by any source, newest report wins per agent/service/url. */
export function latestTargets(sources: Iterable<Source>): WireTarget[] {
  const out = new Map<string, WireTarget>();
  for (const s of sources) {
    for (const [id, t] of s.targets) {
      const held = out.get(id);
      if (held === undefined || t.last_scrape >= held.last_scrape) out.set(id, t);
    }
  }
  return [...out.values()];
}
