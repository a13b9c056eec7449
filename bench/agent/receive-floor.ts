import { Client } from 'undici';
import { median } from '../harness/stats.js';

/** What receiving the bodies over HTTP costs before anything is done with them. */
export interface ReceiveFloor {
  readonly bodies: number;
  readonly bytes: number;
  /** Process CPU (user + system) per byte received, median of the repetitions. */
  readonly receiveSecondsPerByte: number;
  readonly receiveMsPerBody: number;
  /** The kernel's share (system time). */
  readonly systemShare: number;
}

/**
 * Measures, in this process, the CPU of GETting each of `urls` with undici (one keep-alive Client per
 * target, as the agent has) and dropping the body: the cost of receiving the bytes, which the agent
 * pays for every body, changed or not, before it hashes or parses anything. One warm-up pass (the
 * connections), then the median of `reps` passes.
 */
export async function measureReceiveFloor(urls: readonly string[], reps = 3): Promise<ReceiveFloor> {
  const clients = urls.map((u) => ({ client: new Client(new URL(u).origin, { keepAliveTimeout: 60_000 }), path: new URL(u).pathname }));
  let bytes = 0;
  const pass = async () => {
    bytes = 0;
    for (const { client, path } of clients) {
      const res = await client.request({ method: 'GET', path, headers: { accept: 'application/json' } });
      for await (const chunk of res.body as AsyncIterable<Buffer>) bytes += chunk.length;
    }
  };
  try {
    await pass();
    const total: number[] = [];
    const system: number[] = [];
    for (let i = 0; i < reps; i++) {
      const before = process.cpuUsage();
      await pass();
      const used = process.cpuUsage(before);
      total.push((used.user + used.system) / 1e6);
      system.push(used.system / 1e6);
    }
    const n = Math.max(1, urls.length);
    return {
      bodies: urls.length,
      bytes,
      receiveSecondsPerByte: median(total) / Math.max(1, bytes),
      receiveMsPerBody: (median(total) * 1000) / n,
      systemShare: median(system) / Math.max(1e-9, median(total)),
    };
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
  }
}
