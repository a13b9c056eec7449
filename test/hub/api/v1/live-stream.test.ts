import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveEventSchema, type LiveEvent } from '../../../../common/api/v1.js';
import type { Delta } from '../../../../common/federation/messages.js';
import { LiveStream, type LiveStreamOptions } from '../../../../hub/api/v1/events/live-stream.js';
import { HubState } from '../../../../hub/state/hub-state.js';
import { wireGroup } from '../../../helpers/builders.js';
import { pollUntil } from '../../../helpers/poll.js';

const logger = pino({ level: 'silent' });

/** A hub state, its live stream served by a real HTTP server on port 0, and a way to merge. */
async function serve(options: Omit<LiveStreamOptions, 'logger'> = {}) {
  const state = new HubState({ samplesPerGroup: 5 });
  const live = new LiveStream(state, logger, options);
  const server: Server = createServer((_req, res) => live.open(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const source = state.source('a', 'agent', 'e1');
  const own = state.lineages.intern('a', 'e1', {}, []).id;
  let seq = 0;
  const merge = (service: string, keys: string[], count: number) => {
    const delta: Delta = { t: 'delta', seq: ++seq, services: [{ name: service, groups: keys.map((k) => wireGroup(k, [[0, count]])) }], targets: [] };
    state.mergeMessage(source, delta, (r) => (r === 0 ? own : undefined));
  };
  const port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    live.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { state, live, merge, port };
}

/** Reads a stream's events as they come. */
async function subscribe(port: number) {
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
  const events: LiveEvent[] = [];
  let text = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data !== undefined) events.push(LiveEventSchema.parse(JSON.parse(data.slice(6))));
      }
    }
  })().catch(() => undefined);
  cleanups.push(async () => {
    controller.abort();
    await reading;
  });
  return { res, events };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('LiveStream', () => {
  it('answers as an event stream', async () => {
    const { port } = await serve();
    const { res } = await subscribe(port);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('no-cache');
  });

  it('coalesces many changes into one batch: groups per service, then services', async () => {
    const { merge, port, live } = await serve({ flushMs: 100 });
    const { events } = await subscribe(port);
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    for (let i = 1; i <= 20; i++) merge('checkout', ['a', 'b'], i);
    merge('search', ['x'], 1);
    await pollUntil(async () => events.length, (n) => n >= 3, 5_000, 20);
    expect(events).toEqual([
      { type: 'groups', service: 'checkout', keys: ['a', 'b'], truncated: false },
      { type: 'groups', service: 'search', keys: ['x'], truncated: false },
      { type: 'services' },
    ]);
  });

  it('says truncated instead of listing more keys than the limit', async () => {
    const { merge, port, live } = await serve({ flushMs: 50, maxKeysPerEvent: 3 });
    const { events } = await subscribe(port);
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    merge('checkout', ['a', 'b', 'c', 'd', 'e'], 1);
    const first = await pollUntil(async () => events[0], (e) => e !== undefined, 5_000, 20);
    expect(first).toEqual({ type: 'groups', service: 'checkout', keys: ['a', 'b', 'c'], truncated: true });
  });

  it('announces source changes', async () => {
    const { state, port, live } = await serve({ flushMs: 20 });
    const { events } = await subscribe(port);
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    state.sourceChanged(state.source('a', 'agent', 'e1'));
    await pollUntil(async () => events, (e) => e.some((x) => x.type === 'sources'), 5_000, 20);
  });

  it('announces peer changes, many coalesced into one event', async () => {
    const { port, live } = await serve({ flushMs: 50 });
    const { events } = await subscribe(port);
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    for (let i = 0; i < 10; i++) live.peers();
    await pollUntil(async () => events, (e) => e.some((x) => x.type === 'peers'), 5_000, 20);
    expect(events).toEqual([{ type: 'peers' }]);
  });

  it('sends a heartbeat comment', async () => {
    const { port } = await serve({ heartbeatMs: 50 });
    const socket = connect(port, '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await pollUntil(async () => received, (r) => r.split(': ping\n\n').length > 2, 5_000, 20);
  });

  it('forgets a client that disconnects', async () => {
    const { port, live } = await serve();
    const socket = connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    socket.destroy();
    await pollUntil(async () => live.clientCount, (n) => n === 0);
  });

  it('drops a client that does not read, so its buffer stays bounded', async () => {
    const { merge, port, live } = await serve({ flushMs: 5, maxBufferedBytes: 64 * 1024, maxKeysPerEvent: 1000 });
    const socket: Socket = connect(port, '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await pollUntil(async () => live.clientCount, (n) => n === 1);
    const keys = Array.from({ length: 1000 }, (_, i) => `${'k'.repeat(200)}-${i}`);
    let n = 0;
    const dropped = await pollUntil(
      async () => {
        merge('checkout', keys, ++n);
        return live.dropped;
      },
      (d) => d === 1,
      30_000,
      10,
    );
    expect(dropped).toBe(1);
    expect(live.clientCount).toBe(0);
  });
});
