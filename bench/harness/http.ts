import { Agent, request } from 'undici';

/** One keep-alive pool for every request of the harness (latency figures exclude connection set-up). */
const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 4 });

/** GET `url` and return the body as text; throws on a non-2xx answer or after `timeoutMs`. */
export async function getText(url: string, timeoutMs = 30_000): Promise<string> {
  const res = await request(url, { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`GET ${url}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return text;
}

/** GET `url` and return the raw bytes. */
export async function getBytes(url: string, timeoutMs = 30_000): Promise<Buffer> {
  const res = await request(url, { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${res.statusCode}`);
  return body;
}

/** Timed GET: milliseconds from sending to the last byte, and the body's size. */
export async function timedGet(url: string, timeoutMs = 30_000): Promise<{ ms: number; bytes: number; status: number }> {
  const started = performance.now();
  const res = await request(url, { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.body.arrayBuffer();
  return { ms: performance.now() - started, bytes: body.byteLength, status: res.statusCode };
}

/** Polls `probe` every `everyMs` until it returns true; throws after `timeoutMs` naming `what`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function closeHttp(): Promise<void> {
  await dispatcher.close();
}
