/**
 * A strict reader for the subset of Dockerfile syntax deploy/docker/Dockerfile uses, so a test can
 * replay its steps as plain commands. Anything outside the subset (heredocs, unknown instructions,
 * COPY flags other than --from/--chown, ADD) is an error rather than a guess.
 */

export interface Instruction {
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

const KNOWN = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'STOPSIGNAL', 'ENTRYPOINT', 'CMD', 'LABEL', 'ARG']);

/** Splits a Dockerfile into stages of instructions (comments and parser directives dropped). */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i] as string;
    const start = i + 1;
    if (/^\s*(#|$)/.test(raw)) continue;
    while (raw.endsWith('\\')) {
      raw = raw.slice(0, -1);
      i++;
      // Comment lines inside a continuation are skipped, as Docker does.
      while (i < lines.length && /^\s*#/.test(lines[i] as string)) i++;
      raw += ' ' + (lines[i] ?? '').trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(raw);
    if (m === null) throw new Error(`Dockerfile line ${start}: cannot read "${raw}"`);
    const keyword = (m[1] as string).toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`Dockerfile line ${start}: ${keyword} is outside the subset the replay understands`);
    if ((m[2] as string).includes('<<')) throw new Error(`Dockerfile line ${start}: heredocs are outside the subset the replay understands`);
    instructions.push({ keyword, args: (m[2] as string).trim(), line: start });
  }
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (m === null) throw new Error(`Dockerfile line ${ins.line}: FROM ${ins.args}`);
      stages.push({ from: m[1] as string, name: m[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
      stage.instructions.push(ins);
    }
  }
  return stages;
}

/** `["a", "b"]` (exec form) as a list; the shell form is refused (the image uses exec form only). */
export function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`expected the exec form ["...", ...], got ${args}`);
  return value as string[];
}

export interface CopyStep {
  readonly from: string | undefined;
  readonly chown: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** COPY [--from=stage] [--chown=u:g] src... dest. */
export function parseCopy(args: string): CopyStep {
  const words = args.split(/\s+/);
  let from: string | undefined;
  let chown: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    const m = /^--(from|chown)=(\S+)$/.exec(flag);
    if (m === null) throw new Error(`COPY flag ${flag} is outside the subset the replay understands`);
    if (m[1] === 'from') from = m[2];
    else chown = m[2];
  }
  if (words.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  if (words.some((w) => /[*?[]/.test(w))) throw new Error(`COPY wildcards are outside the subset the replay understands: ${args}`);
  return { from, chown, sources: words.slice(0, -1), dest: words.at(-1) as string };
}

/** ENV k=v [k2=v2 ...] (values without spaces or quotes). */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of args.split(/\s+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(word);
    if (m === null) throw new Error(`ENV ${args}: only KEY=value pairs without quotes are understood`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** HEALTHCHECK [--option=value ...] CMD [exec form]: its options and command. */
export function parseHealthcheck(args: string): { options: Record<string, string>; command: string[] } {
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(args);
  if (m === null) throw new Error(`HEALTHCHECK ${args}: expected options, then CMD in exec form`);
  const options: Record<string, string> = {};
  for (const o of (m[1] as string).trim().split(/\s+/).filter(Boolean)) {
    const [k, v] = o.slice(2).split('=') as [string, string];
    options[k] = v;
  }
  return { options, command: execForm(m[2] as string) };
}
