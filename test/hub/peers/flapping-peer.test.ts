import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePeerOutbound, encodePeerMessage } from '../../../common/federation/peer-codec.js';
import { PEER_PROTOCOL_VERSION, type PeerInbound, type PeerOutbound } from '../../../common/federation/peer-messages.js';
import { silentLogger } from '../../../common/log.js';
import { MAX_INBOUND_PEERS, MAX_INBOUND_SESSIONS, Peering } from '../../../hub/peers/peering.js';
import { HubState } from '../../../hub/state/hub-state.js';

/** The hub's end of an in-memory peer WebSocket: what the hub answered, and the peer's moves. */
class FakePeerSocket extends EventEmitter {
  readonly answers: PeerOutbound[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  private ended = false;
  send(data: Buffer): void {
    this.answers.push(decodePeerOutbound(data, 16 * 1024 * 1024));
  }
  ping(): void {
    this.emit('pong');
  }
  close(code?: number, reason?: string): void {
    this.closedWith ??= { code, reason };
    this.end();
  }
  terminate(): void {
    this.end();
  }
  /** The peer says something. */
  say(message: PeerInbound): void {
    this.emit('message', encodePeerMessage(message), true);
  }
  /** The connection ends (the peer went away, or the hub closed it). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close', 1006, Buffer.alloc(0));
  }
}

const hello = (hubId: string, epoch: string): PeerInbound => ({ t: 'peer_hello', protocol: PEER_PROTOCOL_VERSION, hub_id: hubId, epoch, version: 'test', now: Date.now(), last_seq: 1 });
const entries = (seq: number, key: string): PeerInbound => ({
  t: 'peer_entries', seq, alerts: [],
  entries: [{ service: 'svc', key, resolved: true, at: 1_000, total: 1, hlc: [Date.now(), 0], origin: 'hub-b' }],
});

/**
 * Lets the register log's fsyncs (real I/O) finish until `done` holds, 10 s at most by the real
 * clock (performance.now is not faked); timers stay faked.
 */
async function settle(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done() && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(done()).toBe(true);
}

/**
 * A peer that connects, does the exchange and drops, again and again (issue 15, bad input): the hub's
 * state about it stays bounded (sessions, remembered peers, timers), and it keeps answering and applying.
 */
describe('a flapping peer', () => {
  let dir: string;
  let peering: Peering;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    dir = await mkdtemp(join(tmpdir(), 'crowsnest-flap-'));
    peering = await Peering.open(new HubState({ samplesPerGroup: 5 }), { hubId: 'hub-a', dataDir: dir, peers: [], frameBytes: 16 * 1024 * 1024, logger: silentLogger(), graceMs: 15_000 });
  });

  afterEach(async () => {
    await peering.close();
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  const connect = () => {
    const ws = new FakePeerSocket();
    peering.accept(ws as unknown as WebSocket);
    return ws;
  };

  it('costs one remembered peer and no session or timer per flap, and every exchange is answered', async () => {
    const timersBefore = vi.getTimerCount();
    for (let i = 0; i < 600; i++) {
      const ws = connect();
      // A new epoch every third flap (the peer restarting), else the same process reconnecting.
      ws.say(hello('hub-b', `epoch-${Math.floor(i / 3)}`));
      expect(ws.answers[0]).toMatchObject({ t: 'peer_welcome', hub_id: 'hub-a' });
      if (i % 4 === 3) {
        ws.end(); // dropped right after the welcome
      } else if (i % 4 === 2) {
        ws.say(entries(i + 1, `k${i}`));
        ws.end(); // dropped with entries in flight: applied or not, never leaked
      } else {
        ws.say(entries(i + 1, `k${i}`));
        await settle(() => ws.answers.some((a) => a.t === 'peer_ack'));
        ws.end();
      }
      vi.advanceTimersByTime(1_000);
      expect(peering.tracked).toEqual({ sessions: 0, inboundPeers: 1 });
    }
    await settle(() => peering.register.size >= 300);
    expect(vi.getTimerCount()).toBe(timersBefore);
    expect(peering.status().inbound).toEqual([expect.objectContaining({ hubId: 'hub-b', connected: false })]);
    // Still answering and applying after all that.
    const ws = connect();
    ws.say(hello('hub-b', 'epoch-last'));
    ws.say(entries(1, 'after'));
    await settle(() => ws.answers.some((a) => a.t === 'peer_ack'));
    expect(peering.register.get('svc', 'after')?.resolved).toBe(true);
  });

  it('clears the timers of a peer it closed with a code, once the socket is gone', async () => {
    const timersBefore = vi.getTimerCount();
    for (let i = 0; i < 200; i++) {
      const ws = connect();
      ws.emit('message', Buffer.from('not msgpack'), true);
      expect(ws.closedWith?.reason).toBe('CN_ERR_BAD_MESSAGE');
    }
    expect(vi.getTimerCount()).toBe(timersBefore);
    expect(peering.tracked).toEqual({ sessions: 0, inboundPeers: 0 });
  });

  it('remembers at most MAX_INBOUND_PEERS peer ids, forgetting the oldest disconnected, and still admits a new one', () => {
    for (let i = 0; i < MAX_INBOUND_PEERS * 3; i++) {
      const ws = connect();
      ws.say(hello(`hub-x${i}`, 'e'));
      expect(ws.answers[0]).toMatchObject({ t: 'peer_welcome' });
      ws.end();
      vi.advanceTimersByTime(10);
    }
    expect(peering.tracked.inboundPeers).toBe(MAX_INBOUND_PEERS);
    const ids = peering.status().inbound.map((p) => p.hubId);
    expect(ids).toContain(`hub-x${MAX_INBOUND_PEERS * 3 - 1}`);
    expect(ids).not.toContain('hub-x0');
  });

  it('refuses sockets beyond MAX_INBOUND_SESSIONS with CN_ERR_BUSY, and the silent ones time out', () => {
    const open = Array.from({ length: MAX_INBOUND_SESSIONS }, connect);
    const refused = connect();
    expect(refused.closedWith?.reason).toBe('CN_ERR_BUSY');
    expect(peering.tracked.sessions).toBe(MAX_INBOUND_SESSIONS);
    vi.advanceTimersByTime(10_000); // no hello within the hello timeout
    expect(open.every((ws) => ws.closedWith?.reason === 'CN_ERR_HELLO_TIMEOUT')).toBe(true);
    expect(peering.tracked.sessions).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
