import { join } from 'node:path';
import { getJson } from './poll.js';
import type { CrowsnestProcess, Processes } from './processes.js';

export const TOKEN = 'test-token';

/** A hub config for tests: loopback, port 0 unless given, fast snapshots. */
export function hubConfig(dir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hub: { listen: '127.0.0.1:0', data_dir: join(dir, 'hub'), snapshot_interval: '1s', agent_tokens: [TOKEN], ...overrides },
    log: { level: 'info' },
  };
}

export interface AgentServices {
  [service: string]: string[];
}

/** An agent config for tests: fast scrapes and flushes, static targets per service. */
export function agentConfig(name: string, hubPorts: number[], services: AgentServices, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agent: {
      name,
      listen: '127.0.0.1:0',
      hubs: hubPorts.map((port) => ({ url: `ws://127.0.0.1:${port}/federate`, token: TOKEN })),
      flush_interval: '100ms',
      labels: { region: 'test' },
      services: Object.entries(services).map(([svc, targets]) => ({
        name: svc,
        static_configs: [{ targets }],
        scraper: { endpoint: '/errors', refresh_interval: '500ms', timeout: '2s' },
      })),
      ...overrides,
    },
    log: { level: 'info' },
  };
}

/** Starts a hub process and returns it with its port. */
export async function startHub(procs: Processes, name: string, config: Record<string, unknown>): Promise<{ proc: CrowsnestProcess; port: number }> {
  const proc = await procs.start('hub', name, config);
  return { proc, port: await proc.port('hub listening') };
}

/** service -> key -> total_count, read through the Periskop-compatible API. */
export async function hubTotals(port: number): Promise<Map<string, Map<string, number>>> {
  const base = `http://127.0.0.1:${port}`;
  const services = await getJson<string[]>(`${base}/services/`);
  const out = new Map<string, Map<string, number>>();
  for (const s of services) {
    const errors = await getJson<{ aggregation_key: string; total_count: number }[]>(`${base}/services/${encodeURIComponent(s)}/errors/`);
    out.set(s, new Map(errors.map((e) => [e.aggregation_key, e.total_count])));
  }
  return out;
}

/** Stable text of nested totals, for equality checks and readable failures. */
export function totalsText(totals: Map<string, Map<string, number>>): string {
  return JSON.stringify([...totals].sort(([a], [b]) => a.localeCompare(b)).map(([s, keys]) => [s, [...keys].sort(([a], [b]) => a.localeCompare(b))]));
}
