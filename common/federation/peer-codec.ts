import { Packr, Unpackr } from 'msgpackr';
import { checkedParser, SchemaMismatch } from '../schema/checked-parse.js';
import { FederationError } from './errors.js';
import { type PeerInbound, PeerInboundSchema, type PeerOutbound, PeerOutboundSchema } from './peer-messages.js';

/** msgpackr as on source links (codec.ts); the codec keeps no state between frames. */
const packr = new Packr({ useRecords: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });

export function encodePeerMessage(message: PeerInbound | PeerOutbound): Buffer {
  return packr.pack(message);
}

function decodeWith<T>(parse: (value: unknown) => T, frame: Buffer, maxBytes: number): T {
  if (frame.length > maxBytes) throw new FederationError('CN_ERR_FRAME_TOO_LARGE', `frame of ${frame.length} bytes exceeds the limit of ${maxBytes}`);
  let raw: unknown;
  try {
    raw = unpackr.unpack(frame);
  } catch (err) {
    throw new FederationError('CN_ERR_BAD_MESSAGE', `undecodable frame: ${(err as Error).message}`);
  }
  try {
    return parse(raw);
  } catch (err) {
    if (err instanceof SchemaMismatch) throw new FederationError('CN_ERR_BAD_MESSAGE', `invalid peer message at ${err.where}: ${err.problem}`);
    throw err;
  }
}

const INBOUND = checkedParser(PeerInboundSchema);
const OUTBOUND = checkedParser(PeerOutboundSchema);

/** A frame the dialled hub received (hello, entries). Throws FederationError. */
export function decodePeerInbound(frame: Buffer, maxBytes: number): PeerInbound {
  return decodeWith(INBOUND, frame, maxBytes);
}

/** A frame the dialling hub received (welcome, ack). Throws FederationError. */
export function decodePeerOutbound(frame: Buffer, maxBytes: number): PeerOutbound {
  return decodeWith(OUTBOUND, frame, maxBytes);
}
