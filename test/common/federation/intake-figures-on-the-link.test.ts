import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Intake } from '../../../common/federation/intake.js';
import type { LinkConnection, LinkSource } from '../../../common/federation/link-source.js';
import { decodeSourceMessage, encodeMessage } from '../../../common/federation/codec.js';
import { FederationError } from '../../../common/federation/errors.js';
import { PROTOCOL_VERSION, type SourceMessage } from '../../../common/federation/messages.js';
import { PendingChanges } from '../../../common/federation/pending-changes.js';
import { LINK_DEFAULTS, SourceLink } from '../../../common/federation/source-link.js';
import { silentLogger } from '../../../common/log.js';
import { memorySockets } from '../../helpers/memory-socket.js';

const figures = (accepted: number): Intake => ({
  otlp: { traces: { items: accepted, ignored: 0, accepted, overflow: 0, duplicate: 0, rejected: 0 }, logs: { items: 0, ignored: 0, accepted: 0, overflow: 0, duplicate: 0, rejected: 0 }, refused: { invalid_json: 1 } },
});

/** A source with no groups and intake figures the test sets (undefined: it runs no intake). */
class IntakeOnly implements LinkSource<object> {
  current: Intake | undefined;
  allGroups = () => [];
  allTargets = () => [];
  currentSampleMark = () => 0;
  intake = () => this.current;
  openConnection(): LinkConnection<object> {
    return { toWire: () => { throw new Error('no groups'); }, pendingLineageDefs: () => undefined, commitLineageDefs: () => undefined, rollbackLineageDefs: () => undefined };
  }
}

function setup(current: Intake | undefined) {
  const source = new IntakeOnly();
  source.current = current;
  const sockets = memorySockets();
  const link = new SourceLink(source, {
    ...LINK_DEFAULTS, url: 'ws://hub/federate', token: 't', frameBytes: 1024 * 1024, logger: silentLogger(), random: () => 1, connect: sockets.connect,
    hello: { protocol: PROTOCOL_VERSION, name: 'agent-1', epoch: 'e1', kind: 'agent', labels: {}, version: 'test', path: [] },
  });
  link.start();
  const end = () => sockets.ends.at(-1) as NonNullable<ReturnType<typeof sockets.ends.at>>;
  const welcome = (acked: number | null) => {
    end().open();
    end().send({ t: 'welcome', hub_id: 'hub', acked_seq: acked, previous_epoch: null });
  };
  const ackLast = () => {
    const m = end().received.at(-1) as Exclude<SourceMessage, { t: 'hello' }>;
    end().send({ t: 'ack', seq: m.seq });
  };
  const states = () => end().received.filter((m) => m.t !== 'hello');
  return { source, link, end, welcome, ackLast, states };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('intake figures on a federation link', () => {
  it('go with the first message of every connection, even one that resumes with a delta', () => {
    const { link, end, welcome, ackLast, states } = setup(figures(2));
    welcome(null);
    expect(end().last('sync')?.intake).toEqual(figures(2));
    ackLast();
    end().drop();
    vi.advanceTimersByTime(LINK_DEFAULTS.backoffBaseMs);
    welcome(1);
    // In step with the hub (no sync), yet the hub, which keeps the figures in memory only, hears them again.
    expect(states().map((m) => [m.t, m.intake?.otlp?.traces.accepted])).toEqual([['delta', 2]]);
    expect(link.status().connected).toBe(true);
  });

  it('go again, coalesced, after they change, and are not sent while unchanged', () => {
    const { source, link, end, welcome, ackLast, states } = setup(figures(1));
    welcome(null);
    ackLast();
    source.current = figures(2);
    link.markIntake();
    source.current = figures(3);
    link.markIntake();
    vi.advanceTimersByTime(LINK_DEFAULTS.flushIntervalMs);
    expect(end().last('delta')?.intake).toEqual(figures(3));
    ackLast();
    vi.advanceTimersByTime(10 * LINK_DEFAULTS.flushIntervalMs);
    expect(states()).toHaveLength(2);
  });

  it('are left out by a source that runs no intake', () => {
    const { end, welcome } = setup(undefined);
    welcome(null);
    expect(end().last('sync')).toBeDefined();
    expect(end().last('sync')).not.toHaveProperty('intake');
  });
});

describe('PendingChanges.markIntake', () => {
  it('is pending until a message carrying the figures is taken, and again if that message is lost', () => {
    const pending = new PendingChanges<object>();
    pending.markIntake();
    expect(pending.empty).toBe(false);
    const taken = { groups: [], targets: [], removed: [], sources: false, intake: true, complete: false };
    pending.taken(taken);
    expect(pending.intakeChanged).toBe(false);
    expect(pending.empty).toBe(true);
    pending.restore(taken);
    expect(pending.intakeChanged).toBe(true);
  });
});

describe('the intake field on the wire', () => {
  const delta = (extra: Record<string, unknown>) => encodeMessage({ t: 'delta', seq: 1, services: [], targets: [], ...extra } as SourceMessage);
  const code = (frame: Buffer) => {
    try {
      decodeSourceMessage(frame, 1024 * 1024);
      return 'accepted';
    } catch (err) {
      return err instanceof FederationError ? err.code : String(err);
    }
  };

  it('is optional (an older agent sends none) and takes only the intake kinds this hub knows', () => {
    expect(code(delta({}))).toBe('accepted');
    const decoded = decodeSourceMessage(delta({ intake: { ...figures(1), sentry: { events: 3 } } }), 1024 * 1024);
    expect(decoded.t === 'delta' && decoded.intake).toEqual(figures(1));
  });

  it('refuses figures that are not counts, and more refusal reasons than the bound', () => {
    const otlp = figures(1).otlp as NonNullable<Intake['otlp']>;
    expect(code(delta({ intake: { otlp: { ...otlp, traces: { ...otlp.traces, accepted: -1 } } } }))).toBe('CN_ERR_BAD_MESSAGE');
    expect(code(delta({ intake: { otlp: { ...otlp, logs: { ...otlp.logs, items: 1.5 } } } }))).toBe('CN_ERR_BAD_MESSAGE');
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`reason_${i}`, 1]));
    expect(code(delta({ intake: { otlp: { ...otlp, refused: many } } }))).toBe('CN_ERR_BAD_MESSAGE');
    expect(code(delta({ intake: { otlp: { ...otlp, refused: { ['x'.repeat(65)]: 1 } } } }))).toBe('CN_ERR_BAD_MESSAGE');
  });
});
