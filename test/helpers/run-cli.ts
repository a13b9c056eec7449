import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** How a command ended: its exit code and what it printed. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion and returns its exit code and output instead of throwing on a non-zero
 * exit (tests assert on both). `env` replaces the environment entirely, except that PATH always holds
 * the directory of the running node, so a `#!/usr/bin/env node` bin finds it.
 */
export async function runCommand(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const path = [dirname(process.execPath), options.env?.['PATH'] ?? process.env['PATH'] ?? '/usr/bin:/bin'].join(':');
  try {
    const { stdout, stderr } = await execFileP(file, [...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), PATH: path },
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Omit<NodeJS.ErrnoException, 'code'> & { code?: number | string | null; signal?: string | null; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') {
      const why = e.signal ? `was killed by ${e.signal} (timeout ${options.timeoutMs ?? 120_000} ms?)` : `could not run: ${e.message}`;
      throw new Error(`${file} ${args.join(' ')} ${why}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs a command and throws, with its output, unless it exits 0. */
export async function mustRun(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A small environment for child processes: no NODE_PATH or npm_* leaking the project's setup in. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}
