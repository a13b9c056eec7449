import { z } from 'zod';
import { CountSchema, MsSchema } from '../schema/scalars.js';
import { SeveritySchema } from '../severity.js';

/**
 * Peer replication messages (docs/protocol.md, "Peers"): the only definition of what crosses a
 * `/federate` WebSocket opened with the `crowsnest-peer.v1` subprotocol between two hubs of one tier.
 * Encoded with msgpackr like every federation frame (peer-codec.ts) and validated here.
 */
export const PEER_PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol a peer link asks for on the upgrade; without it a connection is a source. */
export const PEER_SUBPROTOCOL = 'crowsnest-peer.v1';
/** Register entries per message at most (a frame stays far below the 16 MiB default frame limit). */
export const MAX_ENTRIES_PER_MESSAGE = 1_000;

const HubId = z.string().min(1).max(128);
const Epoch = z.string().min(1).max(128);
const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A hybrid logical clock reading: [wall ms, logical counter]. */
export const HlcSchema = z.tuple([MsSchema, z.number().int().nonnegative().max(0xffff_ffff)]);

/**
 * One group's user state, a last-writer-wins register: the newest by (hlc, origin) wins everywhere.
 * `resolved` false is an unresolve; `at` and `total` are the wall time and the group's total when the
 * user resolved it (0 for an unresolve).
 */
export const RegisterEntrySchema = z.strictObject({
  service: z.string().min(1).max(256),
  key: z.string().min(1).max(4096),
  resolved: z.boolean(),
  at: MsSchema,
  total: CountSchema,
  hlc: HlcSchema,
  /** The hub where the user acted (the tie-breaker of equal clocks). */
  origin: HubId,
});
export type RegisterEntry = z.infer<typeof RegisterEntrySchema>;

/** One channel's delivery of an alert, as the hub that knows most about it says. */
export const AlertDeliveryRecordSchema = z.strictObject({
  channel: z.string().min(1).max(256),
  status: z.enum(['pending', 'delivered', 'failed', 'dropped']),
  attempts: z.number().int().nonnegative().max(1_000),
  last_error: z.string().max(4096),
  delivered_at: MsSchema,
});

/**
 * One alert of the replicated alert log (a new or regressed group, and where it was delivered). Peers
 * merge deliveries per channel, the most advanced status winning (delivered > failed > dropped > pending).
 */
export const AlertRecordSchema = z.strictObject({
  id: z.string().min(1).max(10_000),
  type: z.enum(['new', 'regressed']),
  service: z.string().min(1).max(256),
  key: z.string().min(1).max(4096),
  severity: SeveritySchema,
  class_name: z.string().max(4096),
  message: z.string().max(4096),
  total: CountSchema,
  created_at: MsSchema,
  last_seen: MsSchema,
  regressed_at: MsSchema,
  fired_at: MsSchema,
  deliveries: z.array(AlertDeliveryRecordSchema).max(64),
});
export type AlertRecord = z.infer<typeof AlertRecordSchema>;

/** First frame of a peer link, from the dialling hub. `epoch` is new at every start of that hub. */
export const PeerHelloSchema = z.strictObject({
  t: z.literal('peer_hello'),
  protocol: z.number().int(),
  hub_id: HubId,
  epoch: Epoch,
  version: z.string().max(64),
  /** The sender's wall clock, for the clock offset shown in /api/v1/peers. */
  now: MsSchema,
  /** The sender's last change seq when it said hello: the receiver has caught up once it acked this. */
  last_seq: Seq,
});
export type PeerHello = z.infer<typeof PeerHelloSchema>;

/** The answer: the last seq of the dialler's current epoch the receiver has durably applied, or null. */
export const PeerWelcomeSchema = z.strictObject({
  t: z.literal('peer_welcome'),
  hub_id: HubId,
  acked_seq: Seq.nullable(),
  now: MsSchema,
});
export type PeerWelcome = z.infer<typeof PeerWelcomeSchema>;

/**
 * Register entries and alert records that changed on the sender, up to its change `seq` (one seq
 * counts both kinds); at least one of either.
 */
export const PeerEntriesSchema = z.strictObject({
  t: z.literal('peer_entries'),
  seq: Seq,
  entries: z.array(RegisterEntrySchema).max(MAX_ENTRIES_PER_MESSAGE),
  alerts: z.array(AlertRecordSchema).max(MAX_ENTRIES_PER_MESSAGE),
});
export type PeerEntries = z.infer<typeof PeerEntriesSchema>;

/** Sent once the entries up to `seq` are applied and fsynced. */
export const PeerAckSchema = z.strictObject({ t: z.literal('peer_ack'), seq: Seq });
export type PeerAck = z.infer<typeof PeerAckSchema>;

/** What the dialled hub accepts. */
export const PeerInboundSchema = z.discriminatedUnion('t', [PeerHelloSchema, PeerEntriesSchema]);
export type PeerInbound = z.infer<typeof PeerInboundSchema>;

/** What the dialling hub accepts. */
export const PeerOutboundSchema = z.discriminatedUnion('t', [PeerWelcomeSchema, PeerAckSchema]);
export type PeerOutbound = z.infer<typeof PeerOutboundSchema>;
