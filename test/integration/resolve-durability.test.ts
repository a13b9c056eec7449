import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../demo/error-kinds.js';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

type Aggregate = { aggregation_key: string; total_count: number };

/** A resolve answered 204 is journaled and fsynced first, so it survives SIGKILL of the hub. */
describe('resolve durability', () => {
  const procs = new Processes();
  let fleet: Fleet;
  let base: string;
  let victim: Aggregate;

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout'], targetsPerService: 3, seed: 11 });
    fleet.tick();
    fleet.tick();
  });

  afterAll(async () => {
    await procs.cleanup();
    await fleet.close();
  });

  const list = () => getJson<Aggregate[]>(`${base}/services/checkout/errors/`);

  it('keeps a resolved error hidden after the hub is killed with SIGKILL right after the 204', async () => {
    const dir = await procs.tempDir();
    // A long snapshot interval: only the journal can carry the resolve across the kill.
    const hub = await startHub(procs, 'hub', hubConfig(dir, { snapshot_interval: '1h' }));
    await procs.start('agent', 'agent', agentConfig('agent-r', [hub.port], { checkout: fleet.addresses('checkout') }));
    base = `http://127.0.0.1:${hub.port}`;
    const expected = fleet.expectedTotals().get('checkout');
    const keys = expected?.size ?? 0;
    const exact = (l: Aggregate[]) => l.every((a) => a.total_count === expected?.get(a.aggregation_key));
    // Resolve only once every target's counts have arrived: a resolve records the total it saw, and a
    // count that arrives after it is, rightly, a regression that brings the group back.
    const before = await pollUntil(list, (l) => l.length === keys && exact(l));
    victim = before[0] as Aggregate;

    const res = await fetch(`${base}/services/checkout/errors/${encodeURIComponent(victim.aggregation_key)}/`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    hub.proc.kill('SIGKILL');
    await hub.proc.exited;

    await startHub(procs, 'hub-again', hubConfig(dir, { snapshot_interval: '1h', listen: `127.0.0.1:${hub.port}` }));
    // Once the agent has re-synced every other group, the resolved one is still hidden. The agent
    // reconnects with backoff (full jitter, doubling from 500 ms) while the hub is down, so on a busy
    // machine its next attempt may come well after the hub is back: a generous deadline.
    const after = await pollUntil(list, (l) => l.length === keys - 1 && exact(l), 40_000);
    expect(after.map((a) => a.aggregation_key)).not.toContain(victim.aggregation_key);
  });

  it('brings the resolved error back, with its new total, once it occurs again', async () => {
    const kind = ERROR_KINDS.find((k) => k.key === victim.aggregation_key);
    expect(kind).toBeDefined();
    fleet.targets[0]?.target.record(kind!);
    const back = await pollUntil(list, (l) => l.some((a) => a.aggregation_key === victim.aggregation_key));
    expect(back.find((a) => a.aggregation_key === victim.aggregation_key)?.total_count).toBe(victim.total_count + 1);
  });
});
