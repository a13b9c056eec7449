import type { TargetView } from '../../../../common/api/v1.js';
import type { WireTarget } from '../../../../common/federation/messages.js';
import { iso } from '../present.js';

/** A scrape target's health as its agent reported it. */
export function toTargetView(t: WireTarget): TargetView {
  return {
    service: t.service,
    url: t.url,
    agent: t.agent,
    up: t.up,
    last_error: t.last_error,
    last_scrape: iso(t.last_scrape),
    duration_ms: t.duration_ms,
    bytes: t.bytes,
  };
}
