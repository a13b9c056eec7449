import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'ui', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Every import statement of a file: whether it is type-only, and what it names. */
function imports(file: string): { typeOnly: boolean; spec: string }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: m[1] !== undefined, spec: m[2] as string }));
}

const PACKAGES = new Set(['preact', 'preact/hooks', 'uplot', 'uplot/dist/uPlot.min.css', 'zod']);

describe('ui/src', () => {
  const files = sources(SRC);

  it('imports from common/ only types, and no code of agent/ or hub/', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const { typeOnly, spec } of imports(file)) {
        const where = relative(ROOT, file);
        if (!spec.startsWith('.')) {
          if (!PACKAGES.has(spec)) problems.push(`${where}: package ${spec}`);
          if (spec === 'zod' && !typeOnly) problems.push(`${where}: zod at run time`);
          continue;
        }
        const target = relative(ROOT, resolve(file, '..', spec));
        if (target.startsWith('ui/')) continue;
        if (!target.startsWith('common/')) problems.push(`${where}: imports ${target}`);
        else if (!typeOnly) problems.push(`${where}: imports code from ${target} (types only, so the bundle carries no zod)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('never writes HTML from strings', () => {
    const offenders = files.filter((f) => /dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
