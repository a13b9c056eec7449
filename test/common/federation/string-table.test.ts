import { describe, expect, it } from 'vitest';
import { FederationError } from '../../../common/federation/errors.js';
import { MAX_WIRE_STRINGS, WireStringDecoder, WireStringEncoder } from '../../../common/federation/string-table.js';
import type { Occurrence } from '../../../common/occurrence.js';

const stack = ['at com.acme.payments.Client.charge(Client.java:40)', 'at com.acme.payments.Client.Layer1.handle(Client.java:47)'];
const sample = (uuid: string, message = 'Read timed out after 3000 ms calling payments-api'): Occurrence => ({
  uuid,
  timestamp: 1_700_000_000_000,
  severity: 'error',
  chain: [
    { class: 'java.net.SocketTimeoutException', message, stacktrace: stack },
    { class: 'java.io.IOException', message: 'reset', stacktrace: [] },
  ],
  http: null,
});

describe('WireStringEncoder and WireStringDecoder', () => {
  it('round-trips occurrences through references', () => {
    const enc = new WireStringEncoder();
    const dec = new WireStringDecoder();
    const wire = [sample('a'), sample('b')].map((o) => enc.encode(o));
    dec.define(enc.pendingDefinitions());
    enc.commit();
    expect(wire.map((o) => dec.decode(o))).toEqual([sample('a'), sample('b')]);
  });

  it('defines a repeated stack trace and message once and refers to them afterwards', () => {
    const enc = new WireStringEncoder();
    const first = enc.encode(sample('a'));
    const defs = enc.pendingDefinitions() ?? [];
    enc.commit();
    const second = enc.encode(sample('b'));
    expect(enc.pendingDefinitions()).toBeUndefined();
    expect(typeof second.chain[0]?.stacktrace).toBe('number');
    expect(second.chain[0]?.stacktrace).toBe(first.chain[0]?.stacktrace);
    expect(defs.length).toBe(3); // class, message, stack; short strings and empty stacks stay inline
    expect(second.chain[1]).toEqual({ class: 'java.io.IOException', message: 'reset', stacktrace: [] });
  });

  it('sends the definitions again when the message carrying them was rolled back', () => {
    const enc = new WireStringEncoder();
    enc.encode(sample('a'));
    enc.rollback();
    enc.encode(sample('a'));
    expect(enc.pendingDefinitions()?.length).toBe(3);
  });

  it('rejects a reference the connection never defined with CN_ERR_BAD_MESSAGE', () => {
    const enc = new WireStringEncoder();
    const wire = enc.encode(sample('a'));
    const dec = new WireStringDecoder();
    expect(() => dec.decode(wire)).toThrow(FederationError);
    try {
      dec.decode(wire);
    } catch (err) {
      expect((err as FederationError).code).toBe('CN_ERR_BAD_MESSAGE');
    }
  });

  it('rejects a definition beyond the table size', () => {
    const dec = new WireStringDecoder();
    expect(() => dec.define([[MAX_WIRE_STRINGS + 1, 'x']])).toThrow(FederationError);
  });

  it('inlines strings once the table is full instead of growing it', () => {
    const enc = new WireStringEncoder();
    for (let i = 0; i < MAX_WIRE_STRINGS; i++) enc.encode(sample(`u${i}`, `a message that is unique number ${i}`));
    enc.commit();
    const wire = enc.encode(sample('last', 'a message never seen before on this connection'));
    expect(wire.chain[0]?.message).toBe('a message never seen before on this connection');
  });
});
