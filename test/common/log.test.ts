import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseLogOutput, LOG_FORMATS, parseLogFormat } from '../../common/log.js';

describe('choosing the log format', () => {
  it('auto is pretty with colours on a terminal and JSON elsewhere', () => {
    expect(chooseLogOutput('auto', true)).toEqual({ format: 'pretty', colors: true });
    expect(chooseLogOutput('auto', false)).toEqual({ format: 'json', colors: false });
  });

  it('an explicit format wins over the terminal; colours never go to a pipe', () => {
    expect(chooseLogOutput('json', true)).toEqual({ format: 'json', colors: false });
    expect(chooseLogOutput('pretty', false)).toEqual({ format: 'pretty', colors: false });
    expect(chooseLogOutput('pretty', true)).toEqual({ format: 'pretty', colors: true });
  });

  it('NO_COLOR (set and not empty) turns colours off, not the pretty lines', () => {
    expect(chooseLogOutput('auto', true, { NO_COLOR: '1' })).toEqual({ format: 'pretty', colors: false });
    expect(chooseLogOutput('auto', true, { NO_COLOR: '' })).toEqual({ format: 'pretty', colors: true });
  });

  it('colours only ever come with pretty lines on a terminal (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...LOG_FORMATS), fc.boolean(), fc.option(fc.string(), { nil: undefined }), (format, tty, noColor) => {
      const out = chooseLogOutput(format, tty, { NO_COLOR: noColor });
      if (out.colors) expect([out.format, tty]).toEqual(['pretty', true]);
      if (format !== 'auto') expect(out.format).toBe(format);
    }));
  });

  it('parses --log-format: absent is auto, anything but json, pretty and auto is refused', () => {
    expect(parseLogFormat(undefined)).toBe('auto');
    for (const f of LOG_FORMATS) expect(parseLogFormat(f)).toBe(f);
    for (const bad of ['', 'JSON', 'text', 'pretty ']) expect(parseLogFormat(bad)).toBeUndefined();
  });
});
