import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAYERS = ['agent', 'hub', 'common', 'ui/src', 'bin', 'demo'] as const;
type Layer = (typeof LAYERS)[number];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') out.push(...sources(path));
    } else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of a file, resolved to repository paths of .ts/.tsx sources. */
function importsOf(file: string): { target: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { target: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined || !spec.startsWith('.')) continue;
    const base = resolve(dirname(file), spec).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (target !== undefined) out.push({ target, typeOnly: /^\s*(import|export)\s+type\s/.test(m[0].trimStart()) });
  }
  return out;
}

const layerOf = (file: string): Layer | undefined => {
  const rel = relative(ROOT, file);
  return LAYERS.find((l) => rel === l || rel.startsWith(`${l}/`));
};

const files = LAYERS.flatMap((l) => sources(join(ROOT, l)));
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** What each layer may import (DESIGN section 2; STYLE "zod": CI checks the direction and cycles). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  common: ['common'],
  agent: ['agent', 'common'],
  hub: ['hub', 'common'],
  'ui/src': ['ui/src', 'common'],
  demo: ['demo', 'common'],
  bin: ['bin', 'agent', 'hub', 'common', 'demo'],
};

describe('the dependency direction', () => {
  it('reads a non-trivial import graph', () => {
    expect(files.length).toBeGreaterThan(100);
    expect([...graph.values()].reduce((n, e) => n + e.length, 0)).toBeGreaterThan(200);
  });

  it.each(LAYERS)('lets %s import only what it may (agent and hub never import each other)', (layer) => {
    const bad: string[] = [];
    for (const [file, edges] of graph) {
      if (layerOf(file) !== layer) continue;
      for (const e of edges) {
        const to = layerOf(e.target);
        if (to === undefined || !ALLOWED[layer].includes(to)) bad.push(`${relative(ROOT, file)} -> ${relative(ROOT, e.target)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('lets the UI take only types and schemas from common/', () => {
    const bad: string[] = [];
    for (const [file, edges] of graph) {
      if (layerOf(file) !== 'ui/src') continue;
      for (const e of edges) {
        const rel = relative(ROOT, e.target);
        if (layerOf(e.target) === 'common' && !e.typeOnly && !/^common\/(api|severity|occurrence)/.test(rel)) bad.push(`${relative(ROOT, file)} -> ${rel}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycles (type-only imports included)', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, stack: string[]): void => {
      state.set(file, 'visiting');
      for (const { target } of graph.get(file) ?? []) {
        if (state.get(target) === 'visiting') cycles.push([...stack.slice(stack.indexOf(target)), target].map((f) => relative(ROOT, f)).join(' -> '));
        else if (!state.has(target)) visit(target, [...stack, target]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });
});
