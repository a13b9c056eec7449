import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout (pino): one line per event with `component` and fields a person
 * can act on. Created once by the CLI; components get a child logger.
 */
export function createLogger(level: string, name = 'crowsnest'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything, for library use in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
