import fc from 'fast-check';
import { pack, Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeHubMessage, decodeSourceMessage, encodeMessage } from '../../../common/federation/codec.js';
import { FEDERATION_ERRORS, FederationError, type FederationErrorCode, federationErrorName } from '../../../common/federation/errors.js';
import { type Ack, type Delta, DeltaSchema, type Hello, HelloSchema, HubMessageSchema, type Sync, SyncSchema, type Welcome } from '../../../common/federation/messages.js';
import { occurrence, wireGroup } from '../../helpers/builders.js';
import { exactlyEqual } from '../../helpers/exactly-equal.js';
import { ackArb, deltaArb, helloArb, syncArb, welcomeArb } from '../../helpers/message-arbitraries.js';

const LIMIT = 16 * 1024 * 1024;

const hello: Hello = {
  t: 'hello', protocol: 1, name: 'eu-west-1', epoch: 'e-1', kind: 'agent', labels: { region: 'eu-west' }, version: '0.1.0', path: [],
};
const welcome: Welcome = { t: 'welcome', hub_id: 'global', acked_seq: 41, previous_epoch: null };
const ack: Ack = { t: 'ack', seq: 42 };
const sample = occurrence('u1', 1_600_000_000_000, {
  chain: [
    { class: 'java.lang.RuntimeException', message: 'outer', stacktrace: ['a', 'b'] },
    { class: 'java.io.IOException', message: 'inner', stacktrace: null },
  ],
  http: { method: 'GET', url: 'http://example.com/', headers: { Accept: '*/*' }, body: '' },
});
const delta: Delta = {
  t: 'delta',
  seq: 42,
  services: [{ name: 'checkout', groups: [wireGroup('k1', [[0, 10]], { created_at: 5, last_seen: 1_600_000_000_000, samples: [sample] })] }],
  targets: [{ service: 'checkout', url: 'http://10.0.0.1:8080/errors', agent: 'eu-west-1', up: true, last_error: '', last_scrape: 7, duration_ms: 1.5, bytes: 300 }],
  targets_removed: [['eu-west-1', 'checkout', 'http://10.0.0.2:8080/errors']],
};
const sync: Sync = {
  t: 'sync',
  seq: 42,
  part: 0,
  last: true,
  lineages: [{ ref: 1, name: 'eu-west-1', epoch: 'e-1', labels: { region: 'eu-west' }, via: ['regional'] }],
  services: [{ name: 'checkout', groups: [wireGroup('k1', [[1, 10], [2, 3]], { severity: 'warning' }), wireGroup('k2', [])] }],
  targets: [],
};

/** The code of the FederationError `fn` throws (fails the test when it throws anything else). */
function codeOf(fn: () => unknown): FederationErrorCode {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FederationError);
    return (err as FederationError).code;
  }
  throw new Error('nothing was thrown');
}

describe('federation codec', () => {
  describe('round trip', () => {
    it.each([
      ['hello', hello],
      ['sync', sync],
      ['delta', delta],
    ] as const)('decodes an encoded %s to the same message', (_name, message) => {
      expect(decodeSourceMessage(encodeMessage(message), LIMIT)).toEqual(message);
    });

    it.each([
      ['welcome', welcome],
      ['welcome after another epoch', { ...welcome, acked_seq: null, previous_epoch: 'e-0' }],
      ['ack', ack],
    ] as const)('decodes an encoded %s to the same message', (_name, message) => {
      expect(decodeHubMessage(encodeMessage(message), LIMIT)).toEqual(message);
    });

    it('decodes many frames in a row with the shared codec', () => {
      for (let i = 0; i < 3; i++) {
        expect(decodeSourceMessage(encodeMessage(delta), LIMIT)).toEqual(delta);
        expect(decodeSourceMessage(encodeMessage(hello), LIMIT)).toEqual(hello);
      }
    });
  });

  describe('validation without zod\'s copy', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** The codec's own unpacking, to compare with: a frame that passes the exact check is returned as it was unpacked. */
    const unpack = (frame: Buffer): unknown => new Unpackr({ useRecords: true, mapsAsObjects: true }).unpack(frame);

    it('returns a valid frame as decoded, without running zod', () => {
      const spies = [DeltaSchema, SyncSchema, HelloSchema, HubMessageSchema].map((s) => vi.spyOn(s, 'safeParse'));
      expect(decodeSourceMessage(encodeMessage(delta), LIMIT)).toEqual(delta);
      expect(decodeSourceMessage(encodeMessage(sync), LIMIT)).toEqual(sync);
      expect(decodeSourceMessage(encodeMessage(hello), LIMIT)).toEqual(hello);
      expect(decodeHubMessage(encodeMessage(welcome), LIMIT)).toEqual(welcome);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    });

    it('returns every valid message exactly as unpacked, without running zod', () => {
      const spies = [DeltaSchema, SyncSchema, HelloSchema, HubMessageSchema].map((s) => vi.spyOn(s, 'safeParse'));
      fc.assert(
        fc.property(fc.oneof(helloArb, syncArb, deltaArb), fc.oneof(welcomeArb, ackArb), (fromSource, fromHub) => {
          const sourceFrame = encodeMessage(fromSource);
          expect(exactlyEqual(decodeSourceMessage(sourceFrame, LIMIT), unpack(sourceFrame))).toBe(true);
          const hubFrame = encodeMessage(fromHub);
          expect(exactlyEqual(decodeHubMessage(hubFrame, LIMIT), unpack(hubFrame))).toBe(true);
        }),
        { numRuns: 200 },
      );
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    });

    it('leaves a message zod would copy to zod: an unknown key is stripped as before', () => {
      const spy = vi.spyOn(DeltaSchema, 'safeParse');
      expect(decodeSourceMessage(pack({ ...delta, extra: 1 }), LIMIT)).toStrictEqual(decodeSourceMessage(encodeMessage(delta), LIMIT));
      expect(spy).toHaveBeenCalledTimes(1);
    });

    it('leaves a hub message zod would copy to zod', () => {
      const spy = vi.spyOn(HubMessageSchema, 'safeParse');
      expect(decodeHubMessage(pack({ ...ack, extra: 1 }), LIMIT)).toStrictEqual(ack);
      expect(spy).toHaveBeenCalledTimes(1);
    });

    it('reports zod\'s message for a frame the exact check refuses', () => {
      const bad = { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, 1.5]])] }] };
      expect(() => decodeSourceMessage(pack(bad), LIMIT)).toThrow(/invalid message at services\.0\.groups\.0\.counts\.0\.1: /);
    });
  });

  describe('frame size', () => {
    it('refuses a frame over the limit with CN_ERR_FRAME_TOO_LARGE', () => {
      const frame = encodeMessage(delta);
      expect(codeOf(() => decodeSourceMessage(frame, frame.length - 1))).toBe('CN_ERR_FRAME_TOO_LARGE');
    });

    it('accepts a frame of exactly the limit', () => {
      const frame = encodeMessage(delta);
      expect(decodeSourceMessage(frame, frame.length)).toEqual(delta);
    });

    it('checks the size before decoding anything', () => {
      expect(codeOf(() => decodeHubMessage(Buffer.alloc(101, 0xff), 100))).toBe('CN_ERR_FRAME_TOO_LARGE');
    });
  });

  describe('bad messages', () => {
    it('refuses garbage bytes with CN_ERR_BAD_MESSAGE', () => {
      expect(codeOf(() => decodeSourceMessage(Buffer.from([0xc1, 0x00, 0xff]), LIMIT))).toBe('CN_ERR_BAD_MESSAGE');
    });

    it('refuses a truncated frame with CN_ERR_BAD_MESSAGE', () => {
      const frame = encodeMessage(delta);
      expect(codeOf(() => decodeSourceMessage(frame.subarray(0, frame.length - 5), LIMIT))).toBe('CN_ERR_BAD_MESSAGE');
    });

    it('refuses an empty frame with CN_ERR_BAD_MESSAGE', () => {
      expect(codeOf(() => decodeSourceMessage(Buffer.alloc(0), LIMIT))).toBe('CN_ERR_BAD_MESSAGE');
    });

    it.each([
      ['a string', 'hello'],
      ['an unknown message type', { t: 'hug' }],
      ['a hello without name', { ...hello, name: undefined }],
      ['a hello with a non-numeric protocol', { ...hello, protocol: '1' }],
      ['a delta with a negative count', { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, -1]])] }] }],
      ['a delta with a fractional count', { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, 1.5]])] }] }],
      ['a delta with a count beyond MAX_SAFE_INTEGER', { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, 2 ** 53]])] }] }],
      ['a delta with an unknown severity', { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, 1]], { severity: 'fatal' as never })] }] }],
      ['a delta with a sample without chain', { ...delta, services: [{ name: 's', groups: [wireGroup('k', [[0, 1]], { samples: [{ ...sample, chain: [] }] })] }] }],
      ['a delta with a negative seq', { ...delta, seq: -1 }],
      ['a sync without part', { ...sync, part: undefined }],
      ['an ack, which only hubs send', ack],
    ])('refuses %s from a source with CN_ERR_BAD_MESSAGE', (_name, message) => {
      expect(codeOf(() => decodeSourceMessage(pack(message), LIMIT))).toBe('CN_ERR_BAD_MESSAGE');
    });

    it.each([
      ['a hello, which only sources send', hello],
      ['an ack with a string seq', { t: 'ack', seq: '42' }],
      ['a welcome without hub_id', { ...welcome, hub_id: undefined }],
    ])('refuses %s from a hub with CN_ERR_BAD_MESSAGE', (_name, message) => {
      expect(codeOf(() => decodeHubMessage(pack(message), LIMIT))).toBe('CN_ERR_BAD_MESSAGE');
    });

    it('throws nothing but FederationError on arbitrary bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
          try {
            decodeSourceMessage(Buffer.from(bytes), 128);
          } catch (err) {
            expect(err).toBeInstanceOf(FederationError);
          }
        }),
        { numRuns: 200 },
      );
    });

    it('throws nothing but FederationError on arbitrary msgpack values', () => {
      fc.assert(
        fc.property(fc.anything(), (value) => {
          try {
            decodeSourceMessage(pack(value), LIMIT);
          } catch (err) {
            expect(err).toBeInstanceOf(FederationError);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('FederationError', () => {
  it('carries the WebSocket close code of its code', () => {
    expect(new FederationError('CN_ERR_FRAME_TOO_LARGE', 'x').closeCode).toBe(FEDERATION_ERRORS.CN_ERR_FRAME_TOO_LARGE);
  });

  it('maps every close code back to its name', () => {
    for (const [name, code] of Object.entries(FEDERATION_ERRORS)) expect(federationErrorName(code)).toBe(name);
  });

  it('gives no name to close codes that are not ours', () => {
    expect(federationErrorName(1000)).toBeUndefined();
  });
});
