import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { HubState } from '../../../hub/state/hub-state.js';
import { decodeSnapshot } from '../../../hub/store/snapshot-codec.js';
import { FRAME } from '../../../hub/store/snapshot-schema.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const frame = (value: unknown[]): Buffer => {
  const body = packr.pack(value);
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
};
const head = frame([FRAME.head, 'hub-a', 1_700_000_000_000, 1, []]);
const tail = frame([FRAME.tail, []]);
const group = (overrides: Record<number, unknown> = {}) => {
  const g: unknown[] = ['k', 'error', 1, 2, [1, 5], [], null, 0, 3, null, null, 0];
  for (const [i, v] of Object.entries(overrides)) g[Number(i)] = v;
  return g;
};
const load = (...frames: Buffer[]) => decodeSnapshot(Buffer.concat(frames), new HubState({ samplesPerGroup: 5 }));

describe('snapshot frames are checked by their schemas', () => {
  it('loads frames that match', () => {
    const state = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(Buffer.concat([head, frame([FRAME.groups, 'svc', [], [], [group()]]), tail]), state);
    expect(state.group('svc', 'k')?.total).toBe(5);
  });

  it('names the frame and the field of a negative count', () => {
    expect(() => load(head, frame([FRAME.groups, 'svc', [], [], [group({ 4: [1, -5] })]]), tail)).toThrow(/frame at byte \d+ \(type 2\) is invalid at 4\.0\.4\.1/);
  });

  it('refuses a time outside the range of dates (it could never be formatted)', () => {
    expect(() => load(head, frame([FRAME.groups, 'svc', [], [], [group({ 3: 9e15 })]]), tail)).toThrow(/invalid at 4\.0\.3/);
  });

  it('refuses a frame of an unknown type and one that is not a list', () => {
    expect(() => load(head, frame([9, 'x']), tail)).toThrow(/unknown type 9/);
    const notAList = packr.pack({ a: 1 });
    const raw = Buffer.concat([Buffer.from([0, 0, 0, notAList.length]), notAList]);
    expect(() => load(head, raw, tail)).toThrow(/is not a list/);
  });

  it('refuses source stats with a negative message count, and loads those of a source it knows', () => {
    expect(() => load(head, frame([FRAME.sourceStats, [['eu', 1, -1, 0, 0]]]), tail)).toThrow(/\(type 5\) is invalid at 1\.0\.2/);
    const state = new HubState({ samplesPerGroup: 5 });
    const withSource = frame([FRAME.head, 'hub-a', 1, 1, [['eu', 'agent', 'e', {}, [], []]]]);
    decodeSnapshot(Buffer.concat([withSource, frame([FRAME.sourceStats, [['eu', 7, 8, 9, 2], ['unknown', 1, 1, 1, 1]]]), tail]), state);
    expect(state.sources.get('eu')?.messagesIn).toBe(8);
    expect(state.sources.has('unknown')).toBe(false);
  });

  it('refuses a head whose sources are malformed', () => {
    expect(() => load(frame([FRAME.head, 'hub-a', 1, 1, [['eu', 'robot', 'e', {}, [], []]]]), tail)).toThrow(/invalid at 4\.0\.1/);
  });
});
