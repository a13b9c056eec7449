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

/**
 * Serves the UI build (`ui/dist`) for GET requests no API route answered. Paths are confined to the
 * directory; unknown paths 404. Does nothing when the UI is not built.
 */
export function staticUi(dir: string) {
  const root = normalize(dir);
  const enabled = existsSync(join(root, 'index.html'));
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (!enabled || ctx.method !== 'GET' || ctx.status !== 404 || ctx.body !== undefined) return;
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) return;
    try {
      if (!(await stat(file)).isFile()) return;
    } catch {
      return;
    }
    ctx.status = 200;
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', rel === '/index.html' ? 'no-cache' : 'public, max-age=3600');
    ctx.body = await readFile(file);
  };
}
