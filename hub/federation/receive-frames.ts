import type { WebSocket } from 'ws';
import { FederationError } from '../../common/federation/errors.js';
import type { Heartbeat } from '../../common/federation/heartbeat.js';

/**
 * Wires an accepted link's socket (a source's or a peer's) to `onFrame`: every frame and pong counts
 * as a sign of life; a text frame, or anything `onFrame` throws, ends the link through `fail` with a
 * coded FederationError (CN_ERR_BAD_MESSAGE for what is not one already).
 */
export function receiveFrames(ws: WebSocket, heartbeat: Heartbeat, onFrame: (data: Buffer) => void, fail: (err: FederationError) => void): void {
  ws.on('pong', () => heartbeat.seen());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    heartbeat.seen();
    try {
      if (!isBinary) throw new FederationError('CN_ERR_BAD_MESSAGE', 'text frames are not part of the protocol');
      onFrame(data);
    } catch (err) {
      fail(err instanceof FederationError ? err : new FederationError('CN_ERR_BAD_MESSAGE', (err as Error).message));
    }
  });
}
