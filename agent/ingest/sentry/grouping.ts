import { baseName, MAX_GROUPING_FRAMES } from '../grouping-key.js';
import { type FingerprintContext, fingerprintVariable, resolveFingerprintVariable } from './fingerprint-variables.js';
import { FrameSchema, type SentryException, type SentryFrame } from './sentry-schema.js';

export { groupingKey } from '../grouping-key.js';

/** What the default grouping looks at, already ordered (chain: the error itself first). */
export interface GroupingInput {
  /** The cause chain with each exception's class (module-prefixed type). */
  readonly chain: readonly { readonly className: string; readonly exception: SentryException }[];
  /** The message template (`logentry.message`) of a message event, when there is no typed exception. */
  readonly messageTemplate: string | undefined;
  /** Used only for an event with neither exception nor message. */
  readonly transaction: string | undefined;
  /** What the fingerprint's other variables (`{{ transaction }}`, `{{ tags.NAME }}`, ...) are filled in from. */
  readonly variables?: FingerprintContext;
}

const NO_VARIABLES: FingerprintContext = {
  exception: undefined, frames: undefined, transaction: undefined, level: undefined, logger: undefined, message: undefined, tags: new Map(),
};

/**
 * The default grouping's components (see README.md): for an exception event, each exception of the
 * chain by class plus its in-app frames (module or file name, and function; no line numbers, so a
 * deploy that moves code keeps the group), or by class and value when no frame is known; for a
 * message event, its template; otherwise the transaction. Pure.
 */
export function defaultComponents(input: GroupingInput): string[] {
  const out: string[] = [];
  if (input.chain.length > 0) {
    let frames = 0;
    for (const { className, exception } of input.chain) {
      out.push(`type:${className}`);
      for (const f of groupingFrames(exception)) {
        out.push(`frame:${frameModule(f)}:${frameFunction(f)}`);
        frames++;
      }
    }
    if (frames === 0) for (const { exception } of input.chain) out.push(`value:${exception.value ?? ''}`);
    return out;
  }
  if (input.messageTemplate !== undefined) return [`message:${input.messageTemplate}`];
  return [`transaction:${input.transaction ?? ''}`];
}

/**
 * The components of an event: its `fingerprint` when it has one, each `{{ default }}` replaced by the
 * default components and every other Sentry variable by its value (fingerprint-variables.ts; an
 * unknown variable stays literal text, as in Sentry); the default components otherwise.
 * Example: fingerprint ['{{ default }}', 'tenant-7'] -> [...default components, 'fp:tenant-7'];
 * ['{{ level }}'] on a warning -> ['fp:warning'].
 */
export function groupingComponents(fingerprint: readonly (string | number | boolean)[] | null | undefined, input: GroupingInput): string[] {
  if (fingerprint === null || fingerprint === undefined || fingerprint.length === 0) return defaultComponents(input);
  const out: string[] = [];
  for (const value of fingerprint) {
    const text = String(value);
    const variable = fingerprintVariable(text);
    if (variable === 'default') out.push(...defaultComponents(input));
    else if (variable !== undefined) out.push(`fp:${resolveFingerprintVariable(variable, input.variables ?? NO_VARIABLES) ?? text}`);
    else out.push(`fp:${text}`);
  }
  return out;
}

/** In-app frames (all frames when none is marked in-app), newest last, at most MAX_GROUPING_FRAMES. */
function groupingFrames(exception: SentryException): SentryFrame[] {
  const raw = exception.stacktrace?.frames ?? [];
  const frames: SentryFrame[] = [];
  for (let i = Math.max(0, raw.length - MAX_GROUPING_FRAMES * 4); i < raw.length; i++) {
    const f = FrameSchema.safeParse(raw[i]);
    if (f.success && (f.data.function || f.data.context_line || frameModule(f.data) !== '')) frames.push(f.data);
  }
  const inApp = frames.filter((f) => f.in_app === true);
  return (inApp.length > 0 ? inApp : frames).slice(-MAX_GROUPING_FRAMES);
}

/** Names that are no name: such frames are told apart by their source line, when the SDK sent it. */
const ANONYMOUS = new Set(['', '?', '<anonymous>', 'anonymous']);

/** The function name, or for an anonymous function (e.g. top-level module code) its trimmed source line. */
function frameFunction(f: SentryFrame): string {
  const name = f.function ?? '';
  if (!ANONYMOUS.has(name)) return name;
  const line = f.context_line?.trim() ?? '';
  return line === '' ? name : `line:${line.slice(0, 200)}`;
}

/** The module, else the file's base name without query or fragment (stable across install paths). */
function frameModule(f: SentryFrame): string {
  if (f.module) return f.module;
  return baseName(f.filename ?? f.abs_path ?? '');
}
