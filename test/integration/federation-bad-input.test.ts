import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeMessage } from '../../common/federation/codec.js';
import { FEDERATION_ERRORS } from '../../common/federation/errors.js';
import { type Delta, type Hello, PROTOCOL_VERSION } from '../../common/federation/messages.js';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const hello = (name: string, extra: Partial<Hello> = {}): Hello => ({
  t: 'hello', protocol: PROTOCOL_VERSION, name, epoch: 'e1', kind: 'agent', labels: {}, version: 'test', path: [], ...extra,
});
const delta = (seq: number, count: number): Delta => ({
  t: 'delta', seq, targets: [],
  services: [{ name: 'svc', groups: [{ key: 'k', severity: 'error', counts: [[0, count]], created_at: 0, last_seen: 1_700_000_000_000 + seq, samples: [] }] }],
});

/** A raw federation client: sends what the test says, records what the hub answers and how it closes. */
class RawSource {
  readonly closed: Promise<number>;
  readonly welcomed: Promise<void>;
  acks = 0;
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    this.welcomed = new Promise((resolve) => ws.once('message', () => resolve()));
    ws.on('message', () => this.acks++);
    ws.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawSource> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/federate`, { headers: { authorization: `Bearer ${TOKEN}` }, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawSource(ws);
  }

  send(frame: Buffer | string): void {
    this.ws.send(frame);
  }
}

/**
 * Malformed, oversized, out-of-order or replayed frames, a wrong protocol version, a source whose
 * counts go down: coded closes, counted, never a crash, never a corrupted total.
 */
describe('federation bad input', () => {
  const procs = new Processes();
  let port: number;
  const total = async () => (await hubTotals(port)).get('svc')?.get('k');

  beforeAll(async () => {
    const dir = await procs.tempDir();
    ({ port } = await startHub(procs, 'hub', hubConfig(dir, { limits: { frameBytes: 64 * 1024 } })));
  });
  afterAll(() => procs.cleanup());

  it('closes an undecodable frame with CN_ERR_BAD_MESSAGE', async () => {
    const s = await RawSource.open(port);
    s.send(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
    expect(await s.closed).toBe(FEDERATION_ERRORS.CN_ERR_BAD_MESSAGE);
  });

  it('closes a text frame with CN_ERR_BAD_MESSAGE', async () => {
    const s = await RawSource.open(port);
    s.send('{"t":"hello"}');
    expect(await s.closed).toBe(FEDERATION_ERRORS.CN_ERR_BAD_MESSAGE);
  });

  it('closes a hello of another protocol version with CN_ERR_PROTOCOL_VERSION', async () => {
    const s = await RawSource.open(port);
    s.send(encodeMessage(hello('future', { protocol: 2 })));
    expect(await s.closed).toBe(FEDERATION_ERRORS.CN_ERR_PROTOCOL_VERSION);
  });

  it('closes a delta before the hello with CN_ERR_UNEXPECTED_MESSAGE', async () => {
    const s = await RawSource.open(port);
    s.send(encodeMessage(delta(1, 1)));
    expect(await s.closed).toBe(FEDERATION_ERRORS.CN_ERR_UNEXPECTED_MESSAGE);
  });

  it('refuses a frame over the limit and counts it as CN_ERR_FRAME_TOO_LARGE', async () => {
    const s = await RawSource.open(port);
    s.send(Buffer.alloc(128 * 1024, 1));
    expect(await s.closed).toBe(1009);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/crowsnest_hub_federation_errors_total\{code="CN_ERR_FRAME_TOO_LARGE"\} [1-9]/);
  });

  it('ignores replayed, reordered and decreasing counts: the total never goes down or doubles', async () => {
    const s = await RawSource.open(port);
    s.send(encodeMessage(hello('liar')));
    await s.welcomed;
    s.send(encodeMessage(delta(1, 10)));
    s.send(encodeMessage(delta(1, 10)));
    s.send(encodeMessage(delta(3, 30)));
    s.send(encodeMessage(delta(2, 20)));
    s.send(encodeMessage(delta(4, 5)));
    await pollUntil(async () => s.acks, (n) => n >= 6);
    expect(await total()).toBe(30);
    s.ws.close();
  });

  it('closes a delta counting an undeclared lineage ref with CN_ERR_BAD_MESSAGE and creates nothing', async () => {
    const s = await RawSource.open(port);
    s.send(encodeMessage(hello('undeclared')));
    await s.welcomed;
    const ghost: Delta = {
      t: 'delta', seq: 1, targets: [],
      services: [{ name: 'ghost-service', groups: [{ key: 'ghost', severity: 'error', counts: [[9, 3]], created_at: 0, last_seen: 1_700_000_000_000, samples: [] }] }],
    };
    s.send(encodeMessage(ghost));
    expect(await s.closed).toBe(FEDERATION_ERRORS.CN_ERR_BAD_MESSAGE);
    expect(s.acks).toBe(1); // the welcome, no ack
    expect((await hubTotals(port)).has('ghost-service')).toBe(false);
  });

  it('keeps serving after all of the above', async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/-/health`)).text()).toBe('OK');
  });
});
