/**
 * The parts of a compose file the deploy tests read, and compose's variable interpolation
 * (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$$`).
 */

export interface ComposeService {
  readonly image?: string;
  readonly build?: { context: string; dockerfile?: string };
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly depends_on?: string[];
  readonly stop_grace_period?: string;
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

/** Replaces compose variables in `text` from `env`; throws the `:?` message when one is required. */
export function interpolateCompose(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return empty ? (arg ?? '') : (value as string);
      case '-':
        return unset ? (arg ?? '') : (value as string);
      case ':?':
        if (empty) throw new Error(`${name}: ${arg ?? 'required'}`);
        return value as string;
      case '?':
        if (unset) throw new Error(`${name}: ${arg ?? 'required'}`);
        return value as string;
      default:
        throw new Error(`unsupported interpolation ${match}`);
    }
  });
}

/** A short volume entry "source:target[:mode]". */
export function parseVolume(entry: string): { source: string; target: string; readOnly: boolean } {
  const [source, target, mode] = entry.split(':');
  if (source === undefined || target === undefined) throw new Error(`volume "${entry}": expected source:target[:mode]`);
  return { source, target, readOnly: mode === 'ro' };
}

/** A short port entry "[ip:]host:container". */
export function parsePort(entry: string): { host: number; container: number; ip: string | undefined } {
  const parts = entry.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`port "${entry}": expected [ip:]host:container`);
  const container = Number(parts.at(-1));
  const host = Number(parts.at(-2));
  return { host, container, ip: parts.length === 3 ? parts[0] : undefined };
}
