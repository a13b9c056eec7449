import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { type Config, ConfigSchema } from './schema.js';

/** A config problem, with the YAML path (and line when known) of every issue. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Path = readonly (string | number)[];

/** "agent.services[0].scraper.timeout", the way a person finds it in the file. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

const ENV_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` in every string value with the environment variable (`${NAME:-default}` when it
 * may be unset); `$$` is a literal `$`.
 * Done on parsed values, not on the raw text, so a secret can never inject YAML.
 */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: Path, problems: string[], line: (path: Path) => string): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_RE, (match, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '$';
      const v = env[name] ?? fallback;
      if (v === undefined) {
        problems.push(`${formatPath(path)}${line(path)}: environment variable ${name} is not set`);
        return match;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], problems, line));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k], problems, line);
    return out;
  }
  return value;
}

/**
 * A plain Periskop config (top-level `services:` and optional `repository:`) becomes hub + agent in
 * one process. `repository` is accepted and ignored: Crowsnest keeps its own snapshot in data_dir.
 */
function fromPeriskop(raw: Record<string, unknown>): Record<string, unknown> {
  const { services, repository: _repository, ...rest } = raw;
  return { ...rest, hub: {}, agent: { name: hostname(), services } };
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: Path): string {
  let node: unknown = doc.contents;
  let line = '';
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
      node = pair?.value;
    } else if (isSeq(node)) {
      node = typeof part === 'number' ? node.items[part] : undefined;
    } else break;
    const range = (node as Node | undefined)?.range;
    if (range) line = ` (line ${counter.linePos(range[0]).line})`;
  }
  return line;
}

/**
 * Parses and validates config text. Throws ConfigError listing every problem with its YAML path.
 * Example problem: `agent.services[0].scraper.refresh_interval (line 9): expected a duration like "10s"...`.
 */
export function parseConfig(text: string, file = '<config>', env: NodeJS.ProcessEnv = process.env): Config {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  }
  let raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['(top level): expected a mapping with "hub:", "agent:" or "services:"']);
  }
  const problems: string[] = [];
  const line = (path: Path) => lineOf(doc, counter, path);
  let value = interpolate(raw, env, [], problems, line) as Record<string, unknown>;
  if (problems.length > 0) throw new ConfigError(file, problems);
  const periskop = 'services' in value && !('agent' in value) && !('hub' in value);
  if (periskop) value = fromPeriskop(value);
  // A Periskop file has no `agent:`: name paths the way they are written in it.
  const inFile = (path: Path): Path => (periskop && path[0] === 'agent' && path[1] === 'services' ? path.slice(1) : path);
  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(file, describeIssues(parsed.error, inFile, line));
  }
  return parsed.data;
}

function describeIssues(error: z.ZodError, inFile: (path: Path) => Path, line: (path: Path) => string): string[] {
  return error.issues.map((issue) => {
    const path = inFile(issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${formatPath([...path, k])}${line([...path, k])}: unknown key "${k}"`).join('\n  - ');
    }
    return `${formatPath(path)}${line(path)}: ${issue.message}`;
  });
}

/** Reads and validates a config file. Throws ConfigError (also for an unreadable file). */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}
