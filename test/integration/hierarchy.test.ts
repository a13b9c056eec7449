import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, TOKEN, totalsText } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * Regional hubs stream into a global hub (DESIGN section 4): the global totals equal the sum over all
 * targets, whatever the depth, and loops are refused with a coded error.
 */
describe('hub hierarchy', () => {
  const procs = new Processes();
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout', 'search'], targetsPerService: 4, seed: 3 });
    fleet.tick();
  });

  afterAll(async () => {
    await procs.cleanup();
    await fleet.close();
  });

  it('shows at a global hub two levels up exactly what every region counted', async () => {
    const dir = await procs.tempDir();
    const global = await startHub(procs, 'global', hubConfig(`${dir}/global`, { hub_id: 'global' }));
    const upstream = { url: `ws://127.0.0.1:${global.port}/federate`, token: TOKEN };
    const eu = await startHub(procs, 'eu', hubConfig(`${dir}/eu`, { hub_id: 'eu', upstream: { ...upstream, labels: { region: 'eu' } } }));
    const us = await startHub(procs, 'us', hubConfig(`${dir}/us`, { hub_id: 'us', upstream: { ...upstream, labels: { region: 'us' } } }));
    const half = (s: string) => fleet.addresses(s).slice(0, 2);
    const rest = (s: string) => fleet.addresses(s).slice(2);
    await procs.start('agent', 'agent-eu', agentConfig('agent-eu', [eu.port], { checkout: half('checkout'), search: half('search') }));
    await procs.start('agent', 'agent-us', agentConfig('agent-us', [us.port], { checkout: rest('checkout'), search: rest('search') }));
    const expected = () => totalsText(fleet.expectedTotals());
    expect(await pollUntil(async () => totalsText(await hubTotals(global.port)), (t) => t === expected())).toBe(expected());
    fleet.tick();
    expect(await pollUntil(async () => totalsText(await hubTotals(global.port)), (t) => t === expected())).toBe(expected());
    // The global hub knows the agents behind each regional hub, and which region each count came from.
    const sources = await pollUntil(
      () => getJson<{ items: { name: string; kind: string; connected: boolean; via: string[] }[] }>(`http://127.0.0.1:${global.port}/api/v1/sources`),
      (r) => r.items.some((s) => s.name === 'agent-eu' && s.connected),
    );
    expect(sources.items.find((s) => s.name === 'agent-eu')?.via).toEqual(['eu']);
    expect(sources.items.find((s) => s.name === 'us')?.kind).toBe('hub');
    const [service] = [...fleet.expectedTotals().keys()];
    const key = [...(fleet.expectedTotals().get(service as string)?.keys() ?? [])][0] as string;
    const group = await getJson<{ sources: { agent: string; via: string[]; labels: Record<string, string>; count: number }[]; total_count: number }>(
      `http://127.0.0.1:${global.port}/api/v1/services/${service}/errors/${encodeURIComponent(key)}`,
    );
    expect(group.sources.reduce((n, s) => n + s.count, 0)).toBe(group.total_count);
    expect(new Set(group.sources.map((s) => s.via.join('/')))).toEqual(new Set(['eu', 'us']));
  });

  it('gives two hubs the same totals from an agent that lists both, even while one is down', async () => {
    const dir = await procs.tempDir();
    const h1 = await startHub(procs, 'ha-1', hubConfig(`${dir}/ha-1`, { hub_id: 'ha-1' }));
    const h2 = await startHub(procs, 'ha-2', hubConfig(`${dir}/ha-2`, { hub_id: 'ha-2' }));
    await procs.start('agent', 'agent-ha', agentConfig('agent-ha', [h1.port, h2.port], { checkout: fleet.addresses('checkout') }));
    const expected = () => totalsText(new Map([['checkout', fleet.expectedTotals().get('checkout') ?? new Map()]]));
    const at = (port: number) => pollUntil(async () => totalsText(await hubTotals(port)), (t) => t === expected());
    expect(await at(h1.port)).toBe(expected());
    expect(await at(h2.port)).toBe(expected());
    h2.proc.kill('SIGKILL');
    await h2.proc.exited;
    fleet.tick((t) => t.service === 'checkout');
    expect(await at(h1.port)).toBe(expected());
    await startHub(procs, 'ha-2-again', hubConfig(`${dir}/ha-2`, { hub_id: 'ha-2', listen: `127.0.0.1:${h2.port}` }));
    expect(await at(h2.port)).toBe(expected());
  });

  it('refuses a loop between two hubs with CN_ERR_LOOP_DETECTED', async () => {
    const dir = await procs.tempDir();
    const a = await startHub(procs, 'loop-a', hubConfig(`${dir}/loop-a`, { hub_id: 'loop-a' }));
    // b streams into a, and a's restart below streams into b: a cycle.
    const b = await startHub(procs, 'loop-b', hubConfig(`${dir}/loop-b`, { hub_id: 'loop-b', upstream: { url: `ws://127.0.0.1:${a.port}/federate`, token: TOKEN } }));
    await a.proc.waitForLog((l) => l.msg === 'source connected' && l['source'] === 'loop-b');
    a.proc.kill('SIGTERM');
    await a.proc.exited;
    const a2 = await procs.start('hub', 'loop-a2', hubConfig(`${dir}/loop-a`, {
      hub_id: 'loop-a', listen: `127.0.0.1:${a.port}`, upstream: { url: `ws://127.0.0.1:${b.port}/federate`, token: TOKEN },
    }));
    const refused = await Promise.race([
      a2.waitForLog((l) => l['code'] === 'CN_ERR_LOOP_DETECTED'),
      b.proc.waitForLog((l) => l['code'] === 'CN_ERR_LOOP_DETECTED'),
    ]);
    expect(refused['code']).toBe('CN_ERR_LOOP_DETECTED');
  });
});
