import { type FSWatcher, watch } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileSdConfig } from '../../common/config/service.js';
import { StrictTargetGroupListSchema, TargetGroupListSchema, toTargetGroups } from './target-groups.js';
import { PollingDiscoverer } from './polling-discoverer.js';
import type { TargetGroup } from './types.js';

export interface FileDiscovererOptions {
  /** Prefix of the group sources, "<id>/<path>:<index>"; the manager passes "file/<index in the service>". */
  readonly id?: string;
  /** A file larger than this is not read (its last good targets stay). */
  readonly maxFileBytes?: number;
  /** Targets kept per file; the rest are ignored and reported. */
  readonly maxTargetsPerFile?: number;
  /** Changes seen by the directory watch are read after this quiet time (editors write in bursts). */
  readonly watchDelayMs?: number;
}

export const FILE_DISCOVERY_DEFAULTS = { id: 'file', maxFileBytes: 16 * 1024 * 1024, maxTargetsPerFile: 100_000, watchDelayMs: 50 } as const;

interface Pattern {
  readonly dir: string;
  /** Matches file names in `dir`. */
  readonly name: RegExp;
}

/**
 * One `file_sd_configs` entry, with Prometheus' semantics: every file matching `files` holds a list of
 * target groups (JSON, or YAML for .yml/.yaml); each group becomes "<id>/<path>:<index>" with the
 * label `__meta_filepath`. Files are read again when their directory changes (the directory is
 * watched, not the file, so an atomic write — temp file + rename — is seen) and every
 * `refresh_interval` in case an event was missed (network file systems have none).
 *
 * A file that cannot be read or parsed keeps its last good targets (and the error goes to `onError`);
 * a file that is gone takes its targets with it. A directory that does not exist yet is watched once
 * it appears (checked at each refresh). Owned by the discovery manager; lives until `stop()`.
 */
export class FileDiscoverer extends PollingDiscoverer {
  readonly #options: Required<FileDiscovererOptions>;
  readonly #patterns: readonly Pattern[];
  /** Last good groups per file path. */
  readonly #files = new Map<string, TargetGroup[]>();
  readonly #watchers = new Map<string, FSWatcher>();
  #watchTimer: NodeJS.Timeout | undefined;
  #lastJson: string | undefined;

  constructor(config: FileSdConfig, options: FileDiscovererOptions = {}) {
    super(config.refresh_interval, 'run-again');
    this.#options = { ...FILE_DISCOVERY_DEFAULTS, ...options };
    this.#patterns = config.files.map((file) => {
      const path = resolve(file);
      return { dir: dirname(path), name: globToRegExp(basename(path)) };
    });
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.#watchTimer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  protected async refreshOnce(): Promise<void> {
    const present = new Set<string>();
    for (const pattern of this.#patterns) {
      this.#watch(pattern.dir);
      let names: string[];
      try {
        names = await readdir(pattern.dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        // Cannot list (permissions): keep the last good files of this directory.
        for (const path of this.#files.keys()) if (dirname(path) === pattern.dir) present.add(path);
        this.onError(new Error(`file_sd_configs: cannot list ${pattern.dir}: ${code ?? (err as Error).message}`));
        continue;
      }
      for (const name of names.sort()) {
        if (!pattern.name.test(name)) continue;
        const path = join(pattern.dir, name);
        if (present.has(path)) continue;
        present.add(path);
        await this.#readFile(path);
      }
    }
    if (this.stopped) return;
    for (const path of [...this.#files.keys()]) if (!present.has(path)) this.#files.delete(path);
    const groups = [...this.#files.keys()].sort().flatMap((path) => this.#files.get(path) ?? []);
    const json = JSON.stringify(groups);
    if (this.update === undefined || json === this.#lastJson) return;
    this.#lastJson = json;
    this.update(groups);
  }

  /** Reads one file into `#files`; on failure its last good groups stay and the error is reported. */
  async #readFile(path: string): Promise<void> {
    let text: string;
    try {
      text = await readBounded(path, this.#options.maxFileBytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // removed between listing and reading
      this.onError(new Error(`file_sd_configs: cannot read ${path}: ${code ?? (err as Error).message}`));
      return;
    }
    const yaml = /\.ya?ml$/i.test(path);
    let value: unknown;
    try {
      value = yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
    } catch (err) {
      this.onError(new Error(`file_sd_configs: ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}; keeping its last good targets`));
      return;
    }
    // An empty YAML file is an empty list, as in Prometheus.
    const list = (yaml ? StrictTargetGroupListSchema : TargetGroupListSchema).safeParse(value ?? []);
    if (!list.success) {
      const issue = list.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      this.onError(new Error(`file_sd_configs: ${path} is not a list of target groups${where}: ${issue?.message ?? 'invalid'}; keeping its last good targets`));
      return;
    }
    const read = toTargetGroups(list.data, `${this.#options.id}/${path}`, { __meta_filepath: path }, this.#options.maxTargetsPerFile);
    for (const problem of read.problems) this.onError(new Error(`file_sd_configs: ${path}: ${problem}`));
    this.#files.set(path, read.groups);
  }

  #watch(dir: string): void {
    if (this.stopped || this.#watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, () => this.#changed());
    } catch {
      return; // not there yet: the next refresh tries again
    }
    watcher.on('error', () => {
      // The directory went away: watch it again when it is back.
      watcher.close();
      this.#watchers.delete(dir);
      this.#changed();
    });
    this.#watchers.set(dir, watcher);
  }

  #changed(): void {
    if (this.stopped) return;
    clearTimeout(this.#watchTimer);
    this.#watchTimer = setTimeout(() => void this.refresh(), this.#options.watchDelayMs);
    this.#watchTimer.unref();
  }

}

async function readBounded(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw Object.assign(new Error(`${size} bytes is over the limit of ${maxBytes}`), { code: 'EFBIG' });
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Go's filepath.Match for one path element: `*`, `?` and `[...]` classes; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('^') ? body : body.replace(/^!/, '^')}]`;
        i = end;
      }
    } else out += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
