import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileDiscoverer, globToRegExp } from '../../../agent/discovery/file.js';
import type { TargetGroup } from '../../../agent/discovery/types.js';
import { FileSdConfigSchema } from '../../../common/config/service.js';

let dir: string;
const running: FileDiscoverer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-file-sd-'));
});

afterEach(async () => {
  for (const d of running.splice(0)) d.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a discoverer on `files` (relative to the test directory) and records what it reports. */
function discover(files: string[], config: Record<string, unknown> = {}) {
  const updates: TargetGroup[][] = [];
  const errors: string[] = [];
  const discoverer = new FileDiscoverer(FileSdConfigSchema.parse({ files: files.map((f) => join(dir, f)), refresh_interval: '1h', ...config }), { id: 'file/0', watchDelayMs: 10 });
  running.push(discoverer);
  discoverer.run((groups) => updates.push([...groups]), (err) => errors.push(err.message));
  const addresses = () => updates.at(-1)?.flatMap((g) => g.targets.map((t) => t['__address__'])).sort();
  return { discoverer, updates, errors, addresses };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 10 });

/** Writes a file the way config management tools do: a temp file renamed over the target. */
async function writeAtomically(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

describe('FileDiscoverer', () => {
  it('reads the targets and labels of a JSON file, labelled with __meta_filepath', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, JSON.stringify([{ targets: ['10.0.0.1:8080'], labels: { team: 'pay' } }]));
    const { updates } = discover(['a.json']);
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toEqual([{ source: `file/0/${file}:0`, targets: [{ team: 'pay', __meta_filepath: file, __address__: '10.0.0.1:8080' }] }]);
  });

  it('reads YAML files', async () => {
    await writeFile(join(dir, 'a.yml'), '- targets: ["10.0.0.1:80", "10.0.0.2:80"]\n  labels: { env: prod }\n');
    const { addresses } = discover(['*.yml']);
    await waitFor(() => expect(addresses()).toEqual(['10.0.0.1:80', '10.0.0.2:80']));
  });

  it('reads every file matching a glob, and only those', async () => {
    await writeFile(join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1'] }]));
    await writeFile(join(dir, 'b.json'), JSON.stringify([{ targets: ['b:1'] }]));
    await writeFile(join(dir, 'c.yaml'), '- targets: ["c:1"]\n');
    const { addresses } = discover(['*.json']);
    await waitFor(() => expect(addresses()).toEqual(['a:1', 'b:1']));
  });

  it('sees a file replaced by an atomic rename (the directory is watched)', async () => {
    const file = join(dir, 'targets.json');
    await writeFile(file, JSON.stringify([{ targets: ['old:1'] }]));
    const { addresses } = discover(['targets.json']);
    await waitFor(() => expect(addresses()).toEqual(['old:1']));
    await writeAtomically(file, JSON.stringify([{ targets: ['new:1', 'new:2'] }]));
    await waitFor(() => expect(addresses()).toEqual(['new:1', 'new:2']));
  });

  it('finds a new file matching the glob', async () => {
    const { addresses, updates } = discover(['*.json']);
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(addresses()).toEqual([]);
    await writeAtomically(join(dir, 'late.json'), JSON.stringify([{ targets: ['late:1'] }]));
    await waitFor(() => expect(addresses()).toEqual(['late:1']));
  });

  it('drops the targets of a deleted file', async () => {
    await writeFile(join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1'] }]));
    await writeFile(join(dir, 'b.json'), JSON.stringify([{ targets: ['b:1'] }]));
    const { addresses } = discover(['*.json']);
    await waitFor(() => expect(addresses()).toEqual(['a:1', 'b:1']));
    await unlink(join(dir, 'b.json'));
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
  });

  it('keeps the last good targets of a file that becomes invalid, and reports it', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, JSON.stringify([{ targets: ['a:1'] }]));
    const { discoverer, addresses, errors, updates } = discover(['a.json']);
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    await writeAtomically(file, '[{"targets": ["a:1",');
    await waitFor(() => expect(errors.join('\n')).toContain(`${file} is not valid JSON`));
    await discoverer.refresh();
    expect(updates).toHaveLength(1);
    expect(errors.at(-1)).toMatch(/keeping its last good targets$/);
  });

  it('refuses a YAML group with an unknown key, naming where', async () => {
    await writeFile(join(dir, 'a.yaml'), '- targets: ["a:1"]\n  lables: { x: y }\n');
    const { errors, updates } = discover(['a.yaml']);
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toEqual([]);
    expect(errors[0]).toContain('is not a list of target groups at 0');
  });

  it('leaves out a target it cannot scrape and keeps the others', async () => {
    await writeFile(join(dir, 'a.json'), JSON.stringify([{ targets: ['ok:1', 'ftp://bad:21'] }]));
    const { addresses, errors } = discover(['a.json']);
    await waitFor(() => expect(addresses()).toEqual(['ok:1']));
    expect(errors[0]).toMatch(/scheme "ftp"/);
  });

  it('refuses a file over the size limit and keeps its last good targets', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, JSON.stringify([{ targets: ['a:1'] }]));
    const updates: TargetGroup[][] = [];
    const errors: string[] = [];
    const d = new FileDiscoverer(FileSdConfigSchema.parse({ files: [file] }), { maxFileBytes: 100, watchDelayMs: 10 });
    running.push(d);
    d.run((g) => updates.push([...g]), (e) => errors.push(e.message));
    await waitFor(() => expect(updates).toHaveLength(1));
    await writeAtomically(file, JSON.stringify([{ targets: Array.from({ length: 50 }, (_, i) => `host-${i}:1`) }]));
    await waitFor(() => expect(errors.join()).toMatch(/EFBIG/));
    expect(updates).toHaveLength(1);
  });

  it('starts watching a directory that did not exist yet once it appears', async () => {
    const sub = join(dir, 'later');
    const { discoverer, addresses, updates } = discover(['later/*.json']);
    await waitFor(() => expect(updates).toHaveLength(1));
    await mkdir(sub);
    await writeFile(join(sub, 'a.json'), JSON.stringify([{ targets: ['a:1'] }]));
    await discoverer.refresh(); // the periodic refresh finds the directory and starts watching it
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    await writeAtomically(join(sub, 'b.json'), JSON.stringify([{ targets: ['b:1'] }]));
    await waitFor(() => expect(addresses()).toEqual(['a:1', 'b:1']));
  });

  it('does not report again when nothing changed', async () => {
    await writeFile(join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1'] }]));
    const { discoverer, updates } = discover(['a.json']);
    await waitFor(() => expect(updates).toHaveLength(1));
    await discoverer.refresh();
    await discoverer.refresh();
    expect(updates).toHaveLength(1);
  });
});

describe('file_sd_configs config', () => {
  it.each(['targets.txt', '/etc/*/targets.json', 'targets.json.bak'])('refuses the name %s', (name) => {
    const r = FileSdConfigSchema.safeParse({ files: [name] });
    expect(r.success ? '' : r.error.issues[0]?.message).toBe('expected a path ending in .json, .yml or .yaml, with a "*" only in the file name');
  });

  it('defaults refresh_interval to 5m, as Prometheus', () => {
    expect(FileSdConfigSchema.parse({ files: ['a.json'] }).refresh_interval).toBe(300_000);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['*.json', 'a.json', true],
    ['*.json', 'a.json.tmp', false],
    ['*.json', '.hidden.json', true],
    ['t?.yml', 'ta.yml', true],
    ['t?.yml', 'tab.yml', false],
    ['[ab].json', 'b.json', true],
    ['[ab].json', 'c.json', false],
    ['a+b.json', 'a+b.json', true],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});
