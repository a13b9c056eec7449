import { checkedParser } from '../schema/checked-parse.js';
import { decodeFrame, packFrame } from './codec.js';
import { type PeerInbound, PeerInboundSchema, type PeerOutbound, PeerOutboundSchema } from './peer-messages.js';

export function encodePeerMessage(message: PeerInbound | PeerOutbound): Buffer {
  return packFrame(message);
}

const INBOUND = checkedParser(PeerInboundSchema);
const OUTBOUND = checkedParser(PeerOutboundSchema);

/** A frame the dialled hub received (hello, entries). Throws FederationError. */
export function decodePeerInbound(frame: Buffer, maxBytes: number): PeerInbound {
  return decodeFrame(INBOUND, frame, maxBytes, 'peer message');
}

/** A frame the dialling hub received (welcome, ack). Throws FederationError. */
export function decodePeerOutbound(frame: Buffer, maxBytes: number): PeerOutbound {
  return decodeFrame(OUTBOUND, frame, maxBytes, 'peer message');
}
