import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, totalsText } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * SIGTERM makes the hub wait for a running snapshot and then write a final one, so the hub restarts
 * from state that has everything merged before the signal, even with no agent to re-sync it.
 */
describe('final snapshot on SIGTERM', () => {
  const procs = new Processes();
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout', 'search'], targetsPerService: 2, seed: 5 });
    fleet.tick();
  });

  afterAll(async () => {
    await procs.cleanup();
    await fleet.close();
  });

  it('restarts, without its agent, from a snapshot holding every count merged before the signal', async () => {
    const dir = await procs.tempDir();
    // Snapshots run all the time, so one is usually in progress when the signal arrives.
    const config = hubConfig(dir, { snapshot_interval: '50ms' });
    const hub = await startHub(procs, 'hub', config);
    const agent = await procs.start('agent', 'agent', agentConfig('agent-s', [hub.port], { checkout: fleet.addresses('checkout'), search: fleet.addresses('search') }));
    for (let round = 0; round < 3; round++) {
      fleet.tick();
      const want = totalsText(fleet.expectedTotals());
      await pollUntil(async () => totalsText(await hubTotals(hub.port)), (t) => t === want, 20_000);
    }
    const merged = totalsText(await hubTotals(hub.port));
    await agent.stop();
    expect(await hub.proc.stop()).toBe(0);

    const again = await startHub(procs, 'hub-again', config);
    expect(totalsText(await hubTotals(again.port))).toBe(merged);
  });
});
