import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitListen } from '../config/durations.js';

/** Starts `server` on a config `listen` address ("host:port"); rejects on EADDRINUSE and friends. */
export async function listenOn(server: Server, listen: string): Promise<void> {
  const { host, port } = splitListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The address a listening server is bound to (the real port when configured with port 0). */
export function boundAddress(server: Server): { host: string; port: number } {
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}

/** Closes a server and every open connection (keep-alive clients would otherwise hold it open). */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
