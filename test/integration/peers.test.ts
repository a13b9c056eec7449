import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSegment, PeersResponseSchema } from '../../common/api/v1.js';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, startHub, TOKEN } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/** A port nobody listens on right now (the pair must know each other's address before either starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An HA pair (hub.peers): two hubs listing each other (through TCP proxies the test can partition),
 * one agent shipping to both. User state is replicated; each survives the other's SIGKILL and data loss.
 */
describe('peered hubs', () => {
  const procs = new Processes();
  let fleet: Fleet;
  let dir: string;
  const ports = { a: 0, b: 0 };
  const proxies: { toA?: TcpProxy; toB?: TcpProxy } = {};
  const hubs: { a?: CrowsnestProcess; b?: CrowsnestProcess } = {};
  let keys: string[] = [];

  const config = (self: 'a' | 'b') => {
    const other = self === 'a' ? proxies.toB : proxies.toA;
    return hubConfig(join(dir, self), {
      listen: `127.0.0.1:${ports[self]}`, hub_id: `hub-${self}`,
      peers: [{ url: `ws://127.0.0.1:${other?.port}/federate`, token: TOKEN }],
    });
  };
  const start = async (self: 'a' | 'b') => {
    hubs[self] = (await startHub(procs, `hub-${self}-${Date.now()}`, config(self))).proc;
  };
  const base = (self: 'a' | 'b') => `http://127.0.0.1:${ports[self]}`;
  const status = async (self: 'a' | 'b', key: string) => (await getJson<{ status: string }>(`${base(self)}/api/v1/services/checkout/errors/${encodeSegment(key)}`)).status;
  const act = async (self: 'a' | 'b', key: string, action: 'resolve' | 'unresolve') => {
    const res = await fetch(`${base(self)}/api/v1/services/checkout/errors/${encodeSegment(key)}/${action}`, { method: 'POST' });
    expect(res.status).toBe(200);
  };
  const settled = (self: 'a' | 'b', key: string, want: string, timeoutMs = 20_000) => pollUntil(() => status(self, key).catch(() => 'down'), (s) => s === want, timeoutMs, 50);

  /** Every group with its exact total, resolved or not (the v1 list with status=all). */
  const countsExact = async (self: 'a' | 'b') => {
    const expected = fleet.expectedTotals().get('checkout') as Map<string, number>;
    const exact = (l: { items: { key: string; total_count: number }[] }) => l.items.length === expected.size && l.items.every((g) => g.total_count === expected.get(g.key));
    await pollUntil(() => getJson<{ items: { key: string; total_count: number }[] }>(`${base(self)}/api/v1/services/checkout/errors?status=all&limit=100`).catch(() => ({ items: [] })), exact, 40_000);
  };

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout'], targetsPerService: 4, seed: 15 });
    for (let i = 0; i < 6; i++) fleet.tick();
    dir = await procs.tempDir();
    ports.a = await freePort();
    ports.b = await freePort();
    proxies.toA = await TcpProxy.start(ports.a);
    proxies.toB = await TcpProxy.start(ports.b);
    await Promise.all([start('a'), start('b')]);
    await procs.start('agent', 'agent', agentConfig('agent-p', [ports.a, ports.b], { checkout: fleet.addresses('checkout') }));
    for (const self of ['a', 'b'] as const) await countsExact(self);
    keys = [...(fleet.expectedTotals().get('checkout') as Map<string, number>).keys()].sort();
    expect(keys.length).toBeGreaterThanOrEqual(5);
  });

  afterAll(async () => {
    await procs.cleanup();
    await proxies.toA?.close();
    await proxies.toB?.close();
    await fleet.close();
  });

  it('shows a resolve made on one hub on the other within 2 s', async () => {
    const key = keys[0] as string;
    await act('a', key, 'resolve');
    await settled('b', key, 'resolved', 2_000);
  });

  it('shows each peer in /api/v1/peers with its link state, lag and clock offset', async () => {
    // The ack of the resolve above may still be on its way: poll until it arrived.
    const peers = await pollUntil(async () => PeersResponseSchema.parse(await getJson(`${base('a')}/api/v1/peers`)), (p) => p.items[0]?.pending === 0 && p.items[0].last_exchange !== null);
    expect(peers).toMatchObject({ hub_id: 'hub-a', register_entries: 1 });
    expect(peers.items).toHaveLength(1);
    expect(peers.items[0]).toMatchObject({ hub_id: 'hub-b', connected: true, inbound: true });
    expect(Math.abs(peers.items[0]?.clock_offset_ms ?? Infinity)).toBeLessThan(1_000);
    const metrics = await (await fetch(`${base('a')}/metrics`)).text();
    expect(metrics).toMatch(/^crowsnest_hub_peers_connected 1$/m);
    expect(metrics).toMatch(/^crowsnest_hub_peer_replication_lag_seconds_count [1-9]/m);
  });

  it('catches a hub up after it was killed with SIGKILL: a resolve made on its peer meanwhile reaches it', async () => {
    const key = keys[1] as string;
    hubs.a?.kill('SIGKILL');
    await hubs.a?.exited;
    await act('b', key, 'resolve');
    await start('a');
    await settled('a', key, 'resolved');
    expect(await status('a', keys[0] as string)).toBe('resolved');
  });

  it('replicates an unresolve the same way', async () => {
    const key = keys[0] as string;
    await act('b', key, 'unresolve');
    await settled('a', key, 'unresolved', 2_000);
  });

  it('gives a hub that lost its data_dir every resolve back from its peer', async () => {
    hubs.b?.kill('SIGKILL');
    await hubs.b?.exited;
    await rm(join(dir, 'b'), { recursive: true, force: true });
    await start('b');
    // The agent re-syncs the counts; the peer sends the register (nothing of it was acknowledged by this epoch).
    await countsExact('b');
    await settled('b', keys[1] as string, 'resolved');
    expect(await status('b', keys[0] as string)).toBe('unresolved');
  });

  it('converges after a partition by the newest write: resolved on one side, unresolved on the other', async () => {
    const [k1, k2] = [keys[2] as string, keys[3] as string];
    // The next write must carry a later clock than the one before (HLC walls are milliseconds).
    const clockMoves = async () => {
      const now = Date.now();
      await pollUntil(async () => Date.now(), (t) => t > now + 5, 1_000, 5);
    };
    proxies.toA?.partition();
    proxies.toB?.partition();
    proxies.toA?.reset();
    proxies.toB?.reset();
    // Both sides keep working while apart. k1: resolved on A, then unresolved on B.
    await act('a', k1, 'resolve');
    await clockMoves();
    await act('b', k1, 'unresolve');
    // k2: unresolved on B, then resolved on A: A's write is newer and wins although a tie would go to hub-b.
    await act('b', k2, 'unresolve');
    await clockMoves();
    await act('a', k2, 'resolve');
    expect([await status('a', k1), await status('b', k1), await status('a', k2), await status('b', k2)]).toEqual(['resolved', 'unresolved', 'resolved', 'unresolved']);
    proxies.toA?.heal();
    proxies.toB?.heal();
    for (const self of ['a', 'b'] as const) {
      await settled(self, k1, 'unresolved', 30_000);
      await settled(self, k2, 'resolved', 30_000);
    }
  });
});
