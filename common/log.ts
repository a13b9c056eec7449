import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPrettyModule from 'pino-pretty';

/** pino-pretty loads only when lines are printed pretty (a terminal): JSON output never loads it. */
const loadPinoPretty = (): typeof PinoPrettyModule => createRequire(import.meta.url)('pino-pretty') as typeof PinoPrettyModule;

export type { Logger };

/** `--log-format`: JSON lines, human-readable lines, or pretty on a terminal and JSON otherwise. */
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How the lines actually look, after `auto` is settled, and whether they carry ANSI colours. */
export interface LogOutput {
  readonly format: 'json' | 'pretty';
  readonly colors: boolean;
}

/**
 * Settles `--log-format` for an output: `auto` is pretty on a terminal and JSON otherwise (a pipe, a
 * file, journald, a container's log driver), so machines always read JSON. Colours only on a
 * terminal, and never with `NO_COLOR` set (no-color.org). Pure.
 */
export function chooseLogOutput(requested: LogFormat, isTTY: boolean, env: Readonly<Record<string, string | undefined>> = {}): LogOutput {
  const format = requested === 'auto' ? (isTTY ? 'pretty' : 'json') : requested;
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return { format, colors: format === 'pretty' && isTTY && !noColor };
}

/** Parses a `--log-format` value; undefined when it is not one of LOG_FORMATS. */
export function parseLogFormat(value: string | undefined): LogFormat | undefined {
  if (value === undefined) return 'auto';
  return (LOG_FORMATS as readonly string[]).includes(value) ? (value as LogFormat) : undefined;
}

/**
 * Logs on stdout (pino): one line per event with `component` and fields a person can act on. JSON
 * by default; `pretty` prints `[HH:MM:ss.l] LEVEL: component: message` with the fields below it
 * (pino-pretty, written synchronously so nothing is lost at exit). Created once by the CLI;
 * components get a child logger.
 */
export function createLogger(level: string, output: LogOutput = { format: 'json', colors: false }, name = 'crowsnest'): Logger {
  const options = { name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (output.format === 'json') return pino(options);
  const stream = loadPinoPretty()({
    colorize: output.colors, sync: true, destination: 1,
    translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name,component', messageFormat: '{if component}{component}: {end}{msg}',
  });
  return pino(options, stream);
}

/** A logger that drops everything, for library use in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
