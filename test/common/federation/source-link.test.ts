import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LinkConnection, LinkSource, SourceGroup } from '../../../common/federation/link-source.js';
import { STABLE_CONNECTION_MS, WELCOME_TIMEOUT_MS } from '../../../common/federation/link-transport.js';
import { PROTOCOL_VERSION, type Delta, type Sync, type WireTarget } from '../../../common/federation/messages.js';
import { BACKPRESSURE_RETRY_MS, LINK_DEFAULTS, SourceLink, type SourceLinkOptions } from '../../../common/federation/source-link.js';
import { silentLogger } from '../../../common/log.js';
import { memorySockets } from '../../helpers/memory-socket.js';

/** A group of the test's source: a key and its cumulative count. */
interface Group { key: string; count: number }

/** A small real LinkSource: groups by identity, one lineage (ref 0). */
class Groups implements LinkSource<Group> {
  readonly all = new Map<string, Group>();
  targets: WireTarget[] = [];
  set(key: string, count: number): Group {
    const g = this.all.get(key) ?? { key, count };
    g.count = count;
    this.all.set(key, g);
    return g;
  }
  allGroups(): Iterable<Group> {
    return this.all.values();
  }
  allTargets(): WireTarget[] {
    return this.targets;
  }
  currentSampleMark(): number {
    return 0;
  }
  openConnection(): LinkConnection<Group> {
    return {
      toWire: (g): { service: string; group: SourceGroup } => ({ service: 'svc', group: { key: g.key, severity: 'error', counts: [[0, g.count]], created_at: 0, last_seen: 0, samples: [] } }),
      pendingLineageDefs: () => undefined,
      commitLineageDefs: () => undefined,
      rollbackLineageDefs: () => undefined,
    };
  }
}

const HELLO = { protocol: PROTOCOL_VERSION, name: 'agent-1', epoch: 'e1', kind: 'agent' as const, labels: {}, version: 'test', path: [] };
const counts = (m: Sync | Delta | undefined) => Object.fromEntries((m?.services ?? []).flatMap((s) => s.groups.map((g) => [g.key, g.counts[0]?.[1]])));

function setup(overrides: Partial<SourceLinkOptions> = {}) {
  const source = new Groups();
  const sockets = memorySockets();
  const link = new SourceLink(source, {
    ...LINK_DEFAULTS, url: 'ws://hub/federate', token: 't', hello: HELLO, frameBytes: 16 * 1024 * 1024, logger: silentLogger(),
    random: () => 1, connect: sockets.connect, ...overrides,
  });
  link.start();
  const end = (i = sockets.ends.length - 1) => {
    const e = sockets.ends[i];
    if (e === undefined) throw new Error(`no connection ${i}`);
    return e;
  };
  /** Opens the latest connection and welcomes it. */
  const welcome = (acked: number | null = null) => {
    end().open();
    end().send({ t: 'welcome', hub_id: 'hub', acked_seq: acked, previous_epoch: null });
  };
  const ackLast = () => {
    const m = end().received.at(-1);
    if (m === undefined || m.t === 'hello') throw new Error('nothing to ack');
    end().send({ t: 'ack', seq: m.seq });
  };
  return { source, sockets, link, end, welcome, ackLast };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SourceLink on an in-memory socket', () => {
  it('says hello on open and syncs every group after a welcome that knows nothing', () => {
    const { source, end, welcome } = setup();
    source.set('a', 1);
    source.set('b', 2);
    welcome();
    expect(end().received[0]).toMatchObject({ t: 'hello', name: 'agent-1', epoch: 'e1' });
    const sync = end().last('sync');
    expect(sync).toMatchObject({ seq: 1, part: 0, last: true });
    expect(counts(sync)).toEqual({ a: 1, b: 2 });
  });

  it('keeps one message in flight and coalesces changes meanwhile into one delta per flush interval', () => {
    const { source, link, end, welcome, ackLast } = setup();
    welcome();
    ackLast();
    const g = source.set('a', 1);
    link.markDirty(g);
    vi.advanceTimersByTime(LINK_DEFAULTS.flushIntervalMs);
    expect(end().received.map((m) => m.t)).toEqual(['hello', 'sync', 'delta']);
    source.set('a', 2);
    link.markDirty(g);
    source.set('a', 3);
    link.markDirty(g);
    vi.advanceTimersByTime(10 * LINK_DEFAULTS.flushIntervalMs);
    expect(end().received).toHaveLength(3); // the delta is not acked yet
    ackLast();
    vi.advanceTimersByTime(LINK_DEFAULTS.flushIntervalMs);
    expect(end().received).toHaveLength(4);
    expect(counts(end().last('delta'))).toEqual({ a: 3 });
  });

  it('loses nothing in flight when the connection drops: it goes again after the reconnect', () => {
    const { source, link, sockets, end, welcome, ackLast } = setup();
    welcome();
    ackLast();
    link.markDirty(source.set('a', 5));
    vi.advanceTimersByTime(LINK_DEFAULTS.flushIntervalMs);
    expect(counts(end().last('delta'))).toEqual({ a: 5 });
    end().drop();
    vi.advanceTimersByTime(LINK_DEFAULTS.backoffBaseMs);
    expect(sockets.ends).toHaveLength(2);
    welcome(1); // the hub merged seq 1 (the sync) but never acked the delta
    expect(counts(end().last('sync'))).toEqual({ a: 5 });
    expect(link.status()).toMatchObject({ connected: true, syncing: true, pendingGroups: 1 });
  });

  it('resumes with a delta when the hub acknowledged everything this process sent', () => {
    const { source, link, end, welcome, ackLast } = setup();
    source.set('a', 1);
    welcome();
    ackLast();
    end().drop();
    vi.advanceTimersByTime(LINK_DEFAULTS.backoffBaseMs);
    link.markDirty(source.set('a', 2));
    welcome(1);
    expect(end().last('sync')).toBeUndefined();
    expect(counts(end().last('delta'))).toEqual({ a: 2 });
  });

  it('reconnects with exponential backoff, starting afresh after a welcomed connection that lasted', () => {
    const { sockets, end, welcome } = setup({ backoffBaseMs: 500, backoffCapMs: 30_000 });
    const redialsAfter = (wait: number) => {
      end().drop();
      vi.advanceTimersByTime(wait - 1);
      const before = sockets.ends.length;
      vi.advanceTimersByTime(1);
      expect(sockets.ends.length).toBe(before + 1);
    };
    for (const wait of [500, 1_000, 2_000]) redialsAfter(wait);
    welcome();
    vi.advanceTimersByTime(STABLE_CONNECTION_MS);
    redialsAfter(500);
  });

  it('keeps backing off from a hub that welcomes and drops at once (flapping), up to the cap', () => {
    const { sockets, end, welcome } = setup({ backoffBaseMs: 500, backoffCapMs: 4_000 });
    for (const wait of [500, 1_000, 2_000, 4_000, 4_000, 4_000]) {
      welcome();
      end().drop();
      vi.advanceTimersByTime(wait - 1);
      const before = sockets.ends.length;
      vi.advanceTimersByTime(1);
      expect(sockets.ends.length).toBe(before + 1);
    }
  });

  it('terminates a hub that stopped answering pings for two intervals, and reconnects', () => {
    const { sockets, end, welcome, link } = setup({ heartbeatMs: 1_000 });
    welcome();
    end().answersPings = false;
    vi.advanceTimersByTime(1_000);
    expect(end().terminated).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(sockets.ends[0]?.terminated).toBe(true);
    expect(link.status()).toMatchObject({ connected: false, lastError: 'heartbeat: hub stopped answering pings' });
    vi.advanceTimersByTime(LINK_DEFAULTS.backoffBaseMs);
    expect(sockets.ends).toHaveLength(2);
  });

  it('keeps a hub that answers pings', () => {
    const { end, welcome } = setup({ heartbeatMs: 1_000 });
    welcome();
    vi.advanceTimersByTime(10_000);
    expect(end().pings).toBe(10);
    expect(end().terminated).toBe(false);
  });

  it('gives up on a hub that never welcomes within the welcome timeout', () => {
    const { end, link } = setup({ heartbeatMs: WELCOME_TIMEOUT_MS * 2 });
    end().open();
    vi.advanceTimersByTime(WELCOME_TIMEOUT_MS - 1);
    expect(end().terminated).toBe(false);
    vi.advanceTimersByTime(1);
    expect(end().terminated).toBe(true);
    expect(link.status().lastError).toMatch(/no welcome within 60 s/);
  });

  it('waits while the hub reads slowly, counting each wait, and sends once it caught up', () => {
    const { source, link, end, welcome, ackLast } = setup({ highWaterBytes: 1_000 });
    welcome();
    ackLast();
    end().bufferedAmount = 5_000;
    link.markDirty(source.set('a', 1));
    vi.advanceTimersByTime(LINK_DEFAULTS.flushIntervalMs + 3 * BACKPRESSURE_RETRY_MS);
    expect(end().last('delta')).toBeUndefined();
    expect(link.status().backpressureWaits).toBeGreaterThanOrEqual(3);
    end().bufferedAmount = 0;
    vi.advanceTimersByTime(BACKPRESSURE_RETRY_MS);
    expect(counts(end().last('delta'))).toEqual({ a: 1 });
  });

  it('drops a connection whose hub sends an undecodable frame, keeping the code', () => {
    const { end, welcome, link } = setup();
    welcome();
    end().sendRaw(Buffer.from('not msgpack at all'));
    expect(end().terminated).toBe(true);
    expect(link.status().lastError).toMatch(/^CN_ERR_BAD_MESSAGE/);
  });

  it('says goodbye with 1001 on close and never reconnects', () => {
    const { sockets, end, welcome, link } = setup();
    welcome();
    link.close();
    expect(end().closed?.code).toBe(1001);
    vi.advanceTimersByTime(60_000);
    expect(sockets.ends).toHaveLength(1);
  });
});
