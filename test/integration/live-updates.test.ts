import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LiveEventSchema, type LiveEvent } from '../../common/api/v1.js';
import { decodeHubMessage, encodeMessage } from '../../common/federation/codec.js';
import { PROTOCOL_VERSION, type HubMessage } from '../../common/federation/messages.js';
import { hubConfig, startHub, TOKEN } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * The live stream (/api/v1/events) of a real hub process: the test is the federation source, so it
 * knows when the hub merged (the ack), and measures when the browser-side event arrives.
 */
describe('live updates', () => {
  const procs = new Processes();
  let port: number;
  const events: { at: number; event: LiveEvent }[] = [];
  const stream = new AbortController();
  let ws: WebSocket;
  const acks = new Map<number, number>();

  beforeAll(async () => {
    ({ port } = await startHub(procs, 'hub', hubConfig(await procs.tempDir())));
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { signal: stream.signal });
    expect(res.status).toBe(200);
    void (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const data = text.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
          text = text.slice(i + 2);
          if (data !== undefined) events.push({ at: Date.now(), event: LiveEventSchema.parse(JSON.parse(data.slice(6))) });
        }
      }
    })().catch(() => undefined);
    ws = new WebSocket(`ws://127.0.0.1:${port}/federate`, { headers: { authorization: `Bearer ${TOKEN}` }, perMessageDeflate: false });
    const welcomed = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const m: HubMessage = decodeHubMessage(data, 1 << 20);
        if (m.t === 'welcome') resolve();
        else acks.set(m.seq, Date.now());
      });
      ws.on('error', reject);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(encodeMessage({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'probe', epoch: 'e1', kind: 'agent', labels: { region: 'test' }, version: 'test', path: [] }));
    await welcomed;
  });

  afterAll(async () => {
    ws?.close();
    stream.abort();
    await procs.cleanup();
  });

  const send = (seq: number, key: string, count: number) =>
    ws.send(encodeMessage({ t: 'delta', seq, services: [{ name: 'checkout', groups: [{ key, severity: 'error', counts: [[0, count]], created_at: 1, last_seen: Date.now(), samples: [] }] }], targets: [] }));

  it('delivers a change within a second of its merge', async () => {
    send(1, 'PaymentTimeout', 3);
    const ackedAt = await pollUntil(async () => acks.get(1), (a) => a !== undefined, 10_000, 10);
    const seen = await pollUntil(
      async () => events.find((e) => e.event.type === 'groups' && e.event.service === 'checkout' && e.event.keys.includes('PaymentTimeout')),
      (e) => e !== undefined,
      5_000,
      10,
    );
    expect((seen?.at ?? Infinity) - (ackedAt ?? 0)).toBeLessThan(1_000);
    expect(events.some((e) => e.event.type === 'services')).toBe(true);
  });

  it('answers HEAD without holding a stream open', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^crowsnest_hub_live_clients 1$/m);
  });

  it('coalesces a burst of merges into a few events', async () => {
    const before = events.length;
    for (let seq = 2; seq < 52; seq++) send(seq, 'PaymentTimeout', seq * 10);
    await pollUntil(async () => acks.get(51), (a) => a !== undefined, 10_000, 10);
    await pollUntil(async () => events.slice(before), (e) => e.some((x) => x.event.type === 'groups'), 5_000, 10);
    const groupEvents = events.slice(before).filter((e) => e.event.type === 'groups');
    // 50 merges within well under a second: a handful of batches at most.
    expect(groupEvents.length).toBeLessThanOrEqual(10);
  });
});
