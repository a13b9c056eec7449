// Builds the UI into ui/dist: one JS bundle and one CSS file with content hashes in their names
// (so the hub can let browsers cache them) and an index.html that loads them by relative URL, so the
// UI works under any sub-path of a reverse proxy. Everything is local: no CDN.
//   node ui/build.mjs            production build (minified, with source maps)
//   node ui/build.mjs --dev      unminified
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const dev = process.argv.includes('--dev');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(here, 'tsconfig.json'),
  minify: !dev,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
});

const outputs = Object.entries(result.metafile.outputs);
const js = outputs.find(([file, o]) => o.entryPoint !== undefined && file.endsWith('.js'));
const css = outputs.find(([file]) => file.endsWith('.css'));
if (js === undefined) throw new Error('esbuild produced no JavaScript bundle');

// Content-Security-Policy: scripts only from this origin (no inline script can ever run, whatever an
// error message holds); inline styles are allowed for the chart library.
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>Crowsnest</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='6' fill='%232563eb'/%3E%3C/svg%3E">
${css === undefined ? '' : `<link rel="stylesheet" href="./${basename(css[0])}">\n`}<script type="module" src="./${basename(js[0])}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Crowsnest UI needs JavaScript. The JSON API is at <a href="api/v1/services">api/v1/services</a>.</noscript>
</body>
</html>
`;
await writeFile(join(out, 'index.html'), html);

const size = (file) => result.metafile.outputs[file]?.bytes ?? 0;
console.log(`ui: built ${basename(js[0])} (${Math.round(size(js[0]) / 1024)} KiB)${css === undefined ? '' : `, ${basename(css[0])} (${Math.round(size(css[0]) / 1024)} KiB)`}`);
