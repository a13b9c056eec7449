import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeSegment, PeersResponseSchema } from '../../common/api/v1.js';
import { FEDERATION_ERRORS } from '../../common/federation/errors.js';
import { decodePeerOutbound, encodePeerMessage } from '../../common/federation/peer-codec.js';
import { PEER_PROTOCOL_VERSION, PEER_SUBPROTOCOL, type PeerHello, type PeerOutbound, type RegisterEntry } from '../../common/federation/peer-messages.js';
import { hubConfig, startHub, TOKEN } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const hello = (hubId: string, extra: Partial<PeerHello> = {}): PeerHello => ({
  t: 'peer_hello', protocol: PEER_PROTOCOL_VERSION, hub_id: hubId, epoch: `e-${hubId}`, version: 'test', now: Date.now(), last_seq: 0, ...extra,
});
const entry = (key: string, wall: number, extra: Partial<RegisterEntry> = {}): RegisterEntry => ({
  service: 'svc', key, resolved: true, at: wall, total: 0, hlc: [wall, 0], origin: 'hub-raw', ...extra,
});

/** A raw peer: dials with the peer subprotocol, records the hub's answers and how it closes. */
class RawPeer {
  readonly closed: Promise<number>;
  readonly answers: PeerOutbound[] = [];
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (data: Buffer) => this.answers.push(decodePeerOutbound(data, 1 << 24)));
    ws.on('error', () => undefined);
  }

  static async open(port: number, token = TOKEN): Promise<RawPeer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/federate`, [PEER_SUBPROTOCOL], { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawPeer(ws);
  }

  send(frame: Buffer | string): void {
    this.ws.send(frame);
  }
}

/** What a peer link refuses: coded closes before anything of the frame is applied, never a crash. */
describe('peer link bad input', () => {
  const procs = new Processes();
  let port: number;
  const status = async (key: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/services/svc/errors/${encodeSegment(key)}`);
    return res.status === 404 ? 'absent' : ((await res.json()) as { status: string }).status;
  };

  beforeAll(async () => {
    const dir = await procs.tempDir();
    // Its configured peer never answers: the hub works alone and still accepts peers dialling in.
    ({ port } = await startHub(procs, 'hub', hubConfig(dir, { hub_id: 'hub-self', peers: [{ url: 'ws://127.0.0.1:9/federate', token: TOKEN }] })));
  });
  afterAll(() => procs.cleanup());

  it('answers a wrong token with 401 before the upgrade', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/federate`, [PEER_SUBPROTOCOL], { headers: { authorization: 'Bearer wrong' } });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('refuses a peer announcing this hub\'s own id with CN_ERR_SELF_PEER', async () => {
    const p = await RawPeer.open(port);
    p.send(encodePeerMessage(hello('hub-self')));
    expect(await p.closed).toBe(FEDERATION_ERRORS.CN_ERR_SELF_PEER);
  });

  it('applies good entries and acknowledges them once durable', async () => {
    const p = await RawPeer.open(port);
    p.send(encodePeerMessage(hello('hub-raw')));
    p.send(encodePeerMessage({ t: 'peer_entries', seq: 1, entries: [entry('good', Date.now())], alerts: [] }));
    await pollUntil(async () => p.answers, (a) => a.some((m) => m.t === 'peer_ack' && m.seq === 1));
    expect(p.answers[0]).toMatchObject({ t: 'peer_welcome', hub_id: 'hub-self', acked_seq: null });
    expect(await status('good')).toBe('resolved');
    p.ws.close();
    await p.closed;
    // Reconnecting with the same epoch: the hub says what it already holds.
    const again = await RawPeer.open(port);
    again.send(encodePeerMessage(hello('hub-raw')));
    await pollUntil(async () => again.answers, (a) => a.length > 0);
    expect(again.answers[0]).toMatchObject({ t: 'peer_welcome', acked_seq: 1 });
    again.ws.close();
  });

  const refused: [string, (p: RawPeer) => void, keyof typeof FEDERATION_ERRORS][] = [
    ['an undecodable frame', (p) => p.send(Buffer.from([0xc1, 0xc1, 0xc1])), 'CN_ERR_BAD_MESSAGE'],
    ['a text frame', (p) => p.send('{"t":"peer_hello"}'), 'CN_ERR_BAD_MESSAGE'],
    ['an unknown message type', (p) => p.send(encodePeerMessage({ t: 'peer_gossip' } as unknown as PeerHello)), 'CN_ERR_BAD_MESSAGE'],
    ['an entry with an unknown field', (p) => {
      p.send(encodePeerMessage(hello('hub-raw')));
      p.send(encodePeerMessage({ t: 'peer_entries', seq: 2, entries: [{ ...entry('bad-field', Date.now()), extra: 1 } as RegisterEntry], alerts: [] }));
    }, 'CN_ERR_BAD_MESSAGE'],
    ['entries before the hello', (p) => p.send(encodePeerMessage({ t: 'peer_entries', seq: 1, entries: [entry('early', Date.now())], alerts: [] })), 'CN_ERR_UNEXPECTED_MESSAGE'],
    ['a wrong protocol version', (p) => p.send(encodePeerMessage(hello('hub-raw', { protocol: 99 }))), 'CN_ERR_PROTOCOL_VERSION'],
    ['a register an hour in the future (with a good one in the same message)', (p) => {
      p.send(encodePeerMessage(hello('hub-raw')));
      p.send(encodePeerMessage({ t: 'peer_entries', seq: 3, entries: [entry('beside-future', Date.now()), entry('future', Date.now() + 3_600_000)], alerts: [] }));
    }, 'CN_ERR_CLOCK_SKEW'],
  ];
  for (const [what, act, code] of refused) {
    it(`closes ${what} with ${code} and changes nothing`, async () => {
      const p = await RawPeer.open(port);
      act(p);
      expect(await p.closed).toBe(FEDERATION_ERRORS[code]);
      for (const key of ['bad-field', 'early', 'beside-future', 'future']) expect(await status(key)).toBe('absent');
    });
  }

  it('stops dialling a peer URL that reaches the hub itself (one peers list shared by every replica)', async () => {
    const dir = await procs.tempDir();
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const own = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { proc } = await startHub(procs, 'hub-listing-itself', hubConfig(join(dir, 'self'), { listen: `127.0.0.1:${own}`, hub_id: 'hub-x', peers: [{ url: `ws://127.0.0.1:${own}/federate`, token: TOKEN }] }));
    await proc.waitForLog((l) => l.msg === 'this peer URL reaches this hub itself: not dialled again');
    expect(PeersResponseSchema.parse(await (await fetch(`http://127.0.0.1:${own}/api/v1/peers`)).json()).items).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${own}/metrics`)).text();
    expect(metrics).toMatch(/^crowsnest_hub_peers_configured 0$/m);
  });

  it('stays up and counts every refusal by code', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/crowsnest_hub_federation_errors_total\{code="CN_ERR_CLOCK_SKEW"\} 1/);
    expect(metrics).toMatch(/crowsnest_hub_federation_errors_total\{code="CN_ERR_SELF_PEER"\} 1/);
    expect(metrics).toMatch(/crowsnest_hub_peers_configured 1/);
    expect(metrics).toMatch(/crowsnest_hub_peers_connected 0/);
  });
});
