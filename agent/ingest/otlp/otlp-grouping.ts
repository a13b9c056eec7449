import { baseName, MAX_GROUPING_FRAMES } from '../grouping-key.js';

export { groupingKey, MAX_GROUPING_FRAMES } from '../grouping-key.js';

/** Lines of a stack string looked at; a longer stack is cut before it is split. Of its frames, the first MAX_GROUPING_FRAMES count. */
export const MAX_STACK_SCAN_LINES = 2_000;

/** One frame as grouping sees it: function and file, never a line or column number. */
export interface GroupingFrame {
  readonly fn: string;
  readonly file: string;
}

// Frame lines of the common runtimes. Each captures the function and the file; numbers are dropped.
/** V8 (Node, Deno, browsers): `at fn (file:1:2)`, `at async fn (file:1:2)`, `at file:1:2`. */
const V8_NAMED = /^\s*at (?:async )?(.*?) \((.*?)(?::\d+)?(?::\d+)?\)\s*$/;
const V8_BARE = /^\s*at (?:async )?([^\s()]+?)(?::\d+)?(?::\d+)?\s*$/;
/** Python: `File "/app/x.py", line 3, in handler`. */
const PYTHON = /^\s*File "(.*)", line \d+, in (.*?)\s*$/;
/** .NET: `at Ns.Type.Method(args) in C:\src\File.cs:line 42`. */
const DOTNET = /^\s*at (.+?\)) in (.+?):line \d+\s*$/;
/** JVM: `at com.acme.Type.method(Type.java:42)` (also `(Native Method)`, `(Unknown Source)`). */
const JVM = /^\s*at ([\w$.<>/]+)\((.*?)(?::\d+)?\)\s*$/;
/** Ruby: `/app/x.rb:12:in 'method'` or `in `method'`. */
const RUBY = /^\s*(.+?):\d+:in [`'](.*)'\s*$/;
/** Go: a function line `pkg.fn(...)` followed by `\t/path/file.go:12 +0x1d`. */
const GO_FILE = /^\t(.+?\.go):\d+(?: \+0x[0-9a-f]+)?\s*$/;
const GO_FUNC = /^([\w./*()$-]+)\(.*\)\s*$/;

/**
 * The frames of an `exception.stacktrace` string, in the order the string lists them. Lines that
 * are no frame (the `Type: message` header, `Caused by:`, Python's source lines, `... 3 more`) are
 * skipped. Pure. Example: frames('Error: x\n    at run (/app/a.js:3:9)') → [{ fn: 'run', file: 'a.js' }].
 */
export function stackFrames(stack: string): GroupingFrame[] {
  const out: GroupingFrame[] = [];
  const lines = stack.split('\n', MAX_STACK_SCAN_LINES);
  let goFunc: string | undefined;
  for (const line of lines) {
    if (out.length >= MAX_GROUPING_FRAMES) break;
    const frame = frameOf(line, goFunc);
    goFunc = undefined;
    if (frame !== undefined) {
      out.push(frame);
      continue;
    }
    const go = GO_FUNC.exec(line);
    if (go !== null) goFunc = go[1];
  }
  return out;
}

function frameOf(line: string, goFunc: string | undefined): GroupingFrame | undefined {
  let m: RegExpExecArray | null;
  if (goFunc !== undefined && (m = GO_FILE.exec(line)) !== null) return { fn: goFunc, file: baseName(m[1] as string) };
  if ((m = PYTHON.exec(line)) !== null) return { fn: m[2] as string, file: baseName(m[1] as string) };
  if ((m = DOTNET.exec(line)) !== null) return { fn: m[1] as string, file: baseName(m[2] as string) };
  if ((m = V8_NAMED.exec(line)) !== null) return { fn: m[1] as string, file: baseName(m[2] as string) };
  if ((m = JVM.exec(line)) !== null) return { fn: m[1] as string, file: baseName(m[2] as string) };
  if ((m = V8_BARE.exec(line)) !== null) return { fn: '', file: baseName(m[1] as string) };
  if ((m = RUBY.exec(line)) !== null) return { fn: m[2] as string, file: baseName(m[1] as string) };
  return undefined;
}

/**
 * The grouping components of an exception: its type, then each frame of its stack as
 * `frame:<file>:<function>`; when no frame is recognised, the message instead (as Sentry's default
 * grouping does), so exceptions without a stack still split by what they say. Pure.
 */
export function groupingComponents(type: string, message: string, stack: string | undefined): string[] {
  const out = [`type:${type}`];
  const frames = stack === undefined ? [] : stackFrames(stack);
  for (const f of frames) out.push(`frame:${f.file}:${f.fn}`);
  if (frames.length === 0) out.push(`value:${message}`);
  return out;
}
