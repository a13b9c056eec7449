import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context, Next } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** esbuild names bundles `app-<HASH>.js`: their content never changes under a name. */
const HASHED = /-[A-Z0-9]{8}\.(js|css)(\.map)?$/;

/**
 * Serves the UI build (`ui/dist`) for GET requests no API route answered. Paths are confined to the
 * directory; unknown paths 404. The UI is looked for on each request that needs it, so building it
 * after the hub started works. Hashed bundles are cached for good, `index.html` never; the page may
 * not be framed by other sites (it has a Resolve button) and types are not sniffed.
 */
export function staticUi(dir: string) {
  const root = normalize(dir);
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.method !== 'GET' || ctx.status !== 404 || ctx.body !== undefined) return;
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep) || !existsSync(join(root, 'index.html'))) return;
    try {
      if (!(await stat(file)).isFile()) return;
    } catch {
      return;
    }
    ctx.status = 200;
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', rel === '/index.html' ? 'no-cache' : HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
    ctx.body = await readFile(file);
  };
}
