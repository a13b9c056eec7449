import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../helpers/processes.js';
import { cleanEnv, runCommand } from '../helpers/run-cli.js';

/**
 * The operator docs against what they describe: the two-region walkthrough of docs/operations.md
 * starts each compose config with every variable it reads, links each process to a hub started
 * before it, and each config passes check-config with exactly the doc's environment (the processes
 * themselves run in docker.test.ts, from the same configs). And every relative link in the docs
 * points at a file that exists.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG_DIR = join(ROOT, 'deploy', 'docker', 'config');

interface DocCommand { env: Record<string, string>; mode: string; config: string; line: string }

/** The `VAR=... crowsnest MODE --config $CONFIG/FILE` commands of a shell block (continuations joined). */
function walkthroughCommands(block: string): { exported: string[]; commands: DocCommand[] } {
  const lines = block.replace(/\\\n\s*/g, '').split('\n');
  const exported = lines.filter((l) => l.startsWith('export ')).flatMap((l) => [...l.matchAll(/\b([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1] as string));
  const commands: DocCommand[] = [];
  for (const line of lines) {
    const m = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)crowsnest (\w+) --config \$CONFIG\/(\S+)/.exec(line);
    if (m === null) continue;
    const env = Object.fromEntries([...(m[1] as string).matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((x) => [x[1] as string, x[2] as string]));
    commands.push({ env, mode: m[2] as string, config: m[3] as string, line });
  }
  return { exported, commands };
}

/** `${VAR}` names a config reads (values only, comments aside). */
function configVars(text: string): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)) found.add(m[1] as string);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(parse(text));
  return [...found];
}

async function markdownFiles(): Promise<string[]> {
  const out = [join(ROOT, 'README.md'), join(ROOT, 'CHANGELOG.md')];
  for (const dir of ['docs', 'deploy', 'agent', 'hub']) {
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else if (e.name.endsWith('.md')) out.push(join(d, e.name));
      }
    };
    await walk(join(ROOT, dir));
  }
  return out;
}

describe('docs/operations.md, two regions with the crowsnest bin', async () => {
  const doc = await readFile(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Two regions with the crowsnest bin'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const { exported, commands } = walkthroughCommands(block);

  it('starts every config of the compose demo once', async () => {
    const configs = (await readdir(CONFIG_DIR)).filter((f) => f.endsWith('.yaml')).sort();
    expect(commands.map((c) => c.config).sort()).toEqual(configs);
  });

  it('gives each process every variable its config reads, its own port and data directory, and links it to a hub started before it', async () => {
    const listens = new Set<string>();
    const dataDirs = new Set<string>();
    const hubs: string[] = [];
    for (const c of commands) {
      const reads = configVars(await readFile(join(CONFIG_DIR, c.config), 'utf8'));
      expect(reads.filter((v) => !(v in c.env) && !exported.includes(v)), c.line).toEqual([]);
      const listen = c.env['CROWSNEST_LISTEN'] as string;
      expect(listen, c.line).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(listens.has(listen), `${listen} used twice`).toBe(false);
      listens.add(listen);
      expect(dataDirs.has(c.env['CROWSNEST_DATA_DIR'] as string)).toBe(false);
      dataDirs.add(c.env['CROWSNEST_DATA_DIR'] as string);
      for (const [k, v] of Object.entries(c.env)) {
        const link = /^ws:\/\/(127\.0\.0\.1:\d+)\/federate$/.exec(v);
        if (link !== null) expect(hubs, `${k} of ${c.config} points at a hub started before it`).toContain(link[1]);
      }
      if (c.mode === 'hub') hubs.push(listen);
    }
    // The curl checks read the hubs and an agent the walkthrough started.
    for (const m of section.matchAll(/curl -s[^\n]*?http:\/\/(127\.0\.0\.1:\d+)\//g)) expect(listens.has(m[1] as string), m[0]).toBe(true);
  });

  it("passes each config to `crowsnest check-config` with exactly the doc's environment", async () => {
    for (const c of commands) {
      const env = Object.fromEntries(exported.map((k) => [k, `value-of-${k}`]));
      const result = await runCommand(process.execPath, [BIN, 'check-config', join(CONFIG_DIR, c.config)], { env: cleanEnv({ ...env, ...c.env }) });
      expect(result.code, `${c.line}\n${result.stderr}`).toBe(0);
    }
  });
});

describe('documentation links', () => {
  it('point at files that exist', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        if (!existsSync(join(dirname(file), target))) broken.push(`${relative(ROOT, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
