import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Peering } from './peering.js';

/**
 * Peer replication metrics (docs/operations.md): peers connected, replication lag, register size.
 * Registered on the hub's registry when `hub.peers` is configured.
 */
export function registerPeerMetrics(registry: Registry, peering: () => Peering | undefined): { lag: Histogram; heldBack: Counter } {
  const registers = [registry];
  new Gauge({
    name: 'crowsnest_hub_peers_connected', help: 'Configured peers this hub\'s outbound peer link is connected to.', registers,
    collect() { this.set(peering()?.status().links.filter((l) => l.connected).length ?? 0); },
  });
  new Gauge({
    name: 'crowsnest_hub_peers_configured', help: 'Peers listed in hub.peers.', registers,
    collect() { this.set(peering()?.status().links.length ?? 0); },
  });
  new Gauge({
    name: 'crowsnest_hub_peer_pending_changes', help: 'User-state changes made here that a peer has not acknowledged, by peer URL.', labelNames: ['peer'], registers,
    collect() { for (const l of peering()?.status().links ?? []) this.set({ peer: l.url }, l.pending); },
  });
  new Gauge({
    name: 'crowsnest_hub_peer_register_entries', help: 'Groups in the replicated user register.', registers,
    collect() { this.set(peering()?.register.size ?? 0); },
  });
  new Gauge({
    name: 'crowsnest_hub_peer_inbound_sessions', help: 'Peer connections into this hub open now (with or without a hello yet).', registers,
    collect() { this.set(peering()?.tracked.sessions ?? 0); },
  });
  new Gauge({
    name: 'crowsnest_hub_peer_inbound_known', help: 'Peer hub ids this hub remembers from inbound connections (bounded; the oldest disconnected is forgotten first).', registers,
    collect() { this.set(peering()?.tracked.inboundPeers ?? 0); },
  });
  const lag = new Histogram({
    name: 'crowsnest_hub_peer_replication_lag_seconds', help: 'From a user-state change here to its acknowledgement by a peer (applied and fsynced there).', registers,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const heldBack = new Counter({ name: 'crowsnest_hub_notifications_held_back_total', help: 'Notifications this hub did not send because a peer delivered them (hub.peers).', registers });
  return { lag, heldBack };
}
