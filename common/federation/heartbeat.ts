/** The part of a WebSocket a heartbeat needs (ws's WebSocket, or a test's in-memory socket). */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
}

/**
 * Ping/pong liveness of one federation connection (DESIGN section 4: a ping every interval, a peer
 * that answered nothing for two intervals is dead). Any frame or pong from the peer counts as a sign
 * of life (`seen()`). On death it terminates the socket and calls `onDead` first.
 * Owned by a connection (the source's link transport, the hub's session); lives until `stop()`.
 */
export class Heartbeat {
  private alive = true;
  private readonly timer: NodeJS.Timeout;

  constructor(socket: PingableSocket, intervalMs: number, onDead: () => void) {
    this.timer = setInterval(() => {
      if (!this.alive) {
        onDead();
        socket.terminate();
        return;
      }
      this.alive = false;
      socket.ping();
    }, intervalMs);
  }

  /** The peer showed it is alive (a pong, or any message). */
  seen(): void {
    this.alive = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
