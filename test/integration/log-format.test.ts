import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { hubConfig } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { BIN, Processes } from '../helpers/processes.js';
import { runCommand } from '../helpers/run-cli.js';

const ANSI = /\u001b\[\d+m/;
const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

/**
 * `--log-format` with real crowsnest processes: JSON or pretty lines on a pipe as asked, and `auto`
 * (the default) pretty on a real terminal (a pseudo-terminal made by util-linux `script`) and JSON on
 * a pipe, which every other integration test reads.
 */
describe('crowsnest --log-format', () => {
  const procs = new Processes();
  afterAll(() => procs.cleanup());

  it('prints JSON lines with --log-format json', async () => {
    const proc = procs.spawn(['hub', '--config', await procs.writeConfig('json', hubConfig(`${await procs.tempDir()}/json`)), '--log-format', 'json']);
    const line = await proc.waitForLog((l) => l.msg === 'hub listening');
    expect(line).toMatchObject({ level: 30, component: 'hub' });
    expect(String(line['listen'])).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('prints human-readable lines without colours on a pipe with --log-format pretty', async () => {
    const proc = procs.spawn(['hub', '--config', await procs.writeConfig('pretty', hubConfig(`${await procs.tempDir()}/pretty`)), '--log-format', 'pretty']);
    const line = await proc.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('hub listening'));
    expect(line.msg).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hub: hub listening$/);
    await proc.waitForLog((l) => typeof l.msg === 'string' && /^\s+listen: "127\.0\.0\.1:\d+"$/.test(l.msg));
    expect(proc.lines.every((l) => !ANSI.test(String(l.msg)) && !('level' in l))).toBe(true);
  });

  it('refuses an unknown --log-format with the usage exit code and the accepted values', async () => {
    const r = await runCommand(process.execPath, [BIN, 'hub', '--config', 'never-read.yaml', '--log-format', 'yaml']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--log-format must be json, pretty or auto, not "yaml"');
  });

  const onTerminal = async (name: string, env: NodeJS.ProcessEnv, extra: string[] = []) => {
    const config = await procs.writeConfig(name, hubConfig(`${await procs.tempDir()}/${name}`));
    const command = [process.execPath, BIN, 'hub', '--config', config, ...extra].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      return await pollUntil(async () => out, (o) => o.includes('hub listening'));
    } finally {
      child.kill('SIGKILL');
    }
  };

  it('auto: pretty lines with colours when stdout is a terminal', async () => {
    const out = await onTerminal('tty', {});
    expect(out).toMatch(ANSI);
    expect(out).toMatch(/INFO.*: .*hub: hub listening/);
    expect(out.split(/\r?\n/).some(isJson)).toBe(false);
  });

  it('auto on a terminal with NO_COLOR: pretty lines without colours; json still wins when asked', async () => {
    const plain = await onTerminal('nocolor', { NO_COLOR: '1' });
    expect(plain).not.toMatch(ANSI);
    expect(plain).toMatch(/\] INFO: hub: hub listening/);
    const json = await onTerminal('ttyjson', {}, ['--log-format', 'json']);
    expect(json.split(/\r?\n/).filter((l) => l.includes('hub listening')).every(isJson)).toBe(true);
  });
});
