import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, TOKEN, totalsText } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
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
