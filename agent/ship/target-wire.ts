import type { WireTarget } from '../../common/federation/messages.js';
import type { TargetHealth } from '../scrape/target-health.js';

/** A target's health as it goes to the hubs, reported by this agent. */
export function targetToWire(agent: string, h: TargetHealth): WireTarget {
  return { service: h.service, url: h.url, agent, up: h.up, last_error: h.lastError, last_scrape: h.lastScrape, duration_ms: h.durationMs, bytes: h.bytes };
}
