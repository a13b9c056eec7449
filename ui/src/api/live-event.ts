import type { LiveEvent } from '../../../common/api/v1.js';

/** An event's JSON, checked just enough to route it; anything malformed is ignored. */
export function parseEvent(type: string, data: unknown): LiveEvent | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v['type'] !== type) return null;
  if (type === 'groups') {
    if (typeof v['service'] !== 'string' || !Array.isArray(v['keys'])) return null;
    const keys = v['keys'].filter((k): k is string => typeof k === 'string');
    return { type: 'groups', service: v['service'], keys, truncated: v['truncated'] === true };
  }
  if (type === 'services' || type === 'sources' || type === 'alert' || type === 'peers') return { type };
  return null;
}
