import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticUi } from '../../../hub/api/static-ui.js';

describe('staticUi', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const get = (path: string) => fetch(`${base}${path}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crowsnest-ui-'));
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'secret.txt'), 'outside');
    const app = new Koa();
    app.use(staticUi(join(dir, 'dist')));
    server = createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 404 while the UI is not built, and serves it once it is, without a restart', async () => {
    expect((await get('/')).status).toBe(404);
    await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'dist', 'app-ABCDEF12.js'), 'console.log(1)');
    await writeFile(join(dir, 'dist', 'notes.txt'), 'plain');
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('caches hashed bundles for good and other files briefly', async () => {
    expect((await get('/app-ABCDEF12.js')).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/notes.txt')).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('forbids framing and type sniffing', async () => {
    const res = await get('/');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('never serves a file outside its directory', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const res = await get(path);
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('outside');
    }
  });

  it('answers malformed percent-encoding with 404, not a crash', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(404);
  });
});
