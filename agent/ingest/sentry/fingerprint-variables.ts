import { FrameSchema, type SentryException, type SentryFrame } from './sentry-schema.js';

/** What fingerprint variables are filled in from: the event, already read by event-mapping.ts. */
export interface FingerprintContext {
  /** The most recently thrown exception (the error itself, not a cause), when there is one. */
  readonly exception: SentryException | undefined;
  /** Frames to find the crash frame in, oldest first: the exception's, else the event's or a thread's. */
  readonly frames: readonly unknown[] | undefined;
  readonly transaction: string | undefined;
  readonly level: string | undefined;
  readonly logger: string | undefined;
  /** The formatted message of a message event. */
  readonly message: string | undefined;
  readonly tags: ReadonlyMap<string, string>;
}

/** `{{ name }}`, as Sentry writes variables: the whole entry, spaces inside the braces optional. */
const VARIABLE = /^\{\{\s*(\S+?)\s*\}\}$/;
/** Frames looked at from the newest when searching the crash frame. */
const CRASH_FRAME_SEARCH = 1_000;

/** The variable an entry names (`default`, `tags.server_name`, ...), or undefined for a literal. */
export function fingerprintVariable(entry: string): string | undefined {
  const m = VARIABLE.exec(entry);
  if (m === null) return undefined;
  const name = m[1] as string;
  // Tag names keep their case; the rest are matched like Sentry's, whatever their case.
  return /^tags\./i.test(name) ? `tags.${name.slice(5)}` : name.toLowerCase();
}

/**
 * The value of one of Sentry's fingerprint variables (all but `default`, which grouping.ts expands),
 * with Sentry's placeholders when the event lacks it (`<no-transaction>`, `<no-function>`, ...), or
 * undefined for a variable Sentry does not define: the entry is then kept literally, as Sentry does.
 * The crash frame is the newest in-app frame (the newest frame when none is in-app); its `abs_path`
 * and `filename` stand in for each other when a frame has only one. Pure.
 */
export function resolveFingerprintVariable(name: string, ctx: FingerprintContext): string | undefined {
  const or = (value: string | null | undefined, placeholder: string): string => (value === null || value === undefined || value === '' ? placeholder : value);
  switch (name) {
    case 'transaction':
      return or(ctx.transaction, '<no-transaction>');
    case 'type':
    case 'error.type':
      return or(ctx.exception?.type, '<no-type>');
    case 'value':
    case 'error.value':
      return or(ctx.exception?.value, '<no-value>');
    case 'function':
    case 'stack.function':
      return or(crashFrame(ctx.frames)?.function, '<no-function>');
    case 'path':
    case 'stack.abs_path': {
      // SDKs that send only an (absolute) filename, as @sentry/node does, have it stand in.
      const frame = crashFrame(ctx.frames);
      return or(frame?.abs_path || frame?.filename, '<no-abs-path>');
    }
    case 'stack.filename': {
      const frame = crashFrame(ctx.frames);
      return or(frame?.filename || frame?.abs_path, '<no-filename>');
    }
    case 'module':
    case 'stack.module':
      return or(crashFrame(ctx.frames)?.module, '<no-module>');
    case 'package':
    case 'stack.package': {
      const pkg = crashFrame(ctx.frames)?.package ?? '';
      return or(pkg.slice(Math.max(pkg.lastIndexOf('/'), pkg.lastIndexOf('\\')) + 1), '<no-package>');
    }
    case 'level':
      return or(ctx.level, '<no-level>');
    case 'logger':
      return or(ctx.logger, '<no-logger>');
    case 'message':
      return or(ctx.message, '<no-message>');
    default:
      if (name.startsWith('tags.') && name.length > 5) return ctx.tags.get(name.slice(5)) ?? `<no-value-for-tag-${name.slice(5)}>`;
      return undefined;
  }
}

/** The newest in-app frame, else the newest frame; undefined without frames. */
function crashFrame(frames: readonly unknown[] | undefined): SentryFrame | undefined {
  if (frames === undefined) return undefined;
  let newest: SentryFrame | undefined;
  for (let i = frames.length - 1; i >= Math.max(0, frames.length - CRASH_FRAME_SEARCH); i--) {
    const f = FrameSchema.safeParse(frames[i]);
    if (!f.success) continue;
    if (f.data.in_app === true) return f.data;
    newest ??= f.data;
  }
  return newest;
}

/**
 * Tags of an event (`tags`: an object, or `[name, value]` pairs as older SDKs send), as strings;
 * at most `max` of them, names and values cut at 200 characters (Sentry's own limits).
 */
export function tagsOf(tags: unknown, max = 200): Map<string, string> {
  const out = new Map<string, string>();
  if (tags === null || typeof tags !== 'object') return out;
  const pairs = Array.isArray(tags) ? tags : Object.entries(tags);
  for (const pair of pairs) {
    if (out.size >= max) break;
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const value: unknown = pair[1];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    out.set(pair[0].slice(0, 200), String(value).slice(0, 200));
  }
  return out;
}
