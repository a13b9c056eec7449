import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapSentryEvent } from '../../../../agent/ingest/sentry/event-mapping.js';
import { fingerprintVariable, resolveFingerprintVariable, tagsOf, type FingerprintContext } from '../../../../agent/ingest/sentry/fingerprint-variables.js';
import { groupingKey } from '../../../../agent/ingest/sentry/grouping.js';
import { SentryEventSchema } from '../../../../agent/ingest/sentry/sentry-schema.js';
import { DEFAULT_LIMITS } from '../../../../common/limits.js';

const frames = [
  { function: 'main', module: 'app.main', filename: 'main.js', abs_path: '/srv/app/main.js', in_app: true },
  { function: 'charge', module: 'app.billing', filename: 'billing.js', abs_path: '/srv/app/billing.js', package: '/usr/lib/libbilling.so', in_app: true },
  { function: 'send', module: 'undici', filename: 'undici.js', abs_path: '/srv/node_modules/undici.js', in_app: false },
];
const ctx: FingerprintContext = {
  exception: { type: 'CardDeclined', value: 'card 4242 declined' }, frames, transaction: 'POST /pay', level: 'warning', logger: 'billing',
  message: 'payment failed', tags: new Map([['server_name', 'web-3'], ['Region', 'eu']]),
};
const empty: FingerprintContext = { exception: undefined, frames: undefined, transaction: undefined, level: undefined, logger: undefined, message: undefined, tags: new Map() };

describe('Sentry fingerprint variables', () => {
  it('fills in every variable Sentry documents, aliases included, from the crash frame (newest in-app)', () => {
    const cases: [string[], string][] = [
      [['transaction'], 'POST /pay'],
      [['type', 'error.type'], 'CardDeclined'],
      [['value', 'error.value'], 'card 4242 declined'],
      [['function', 'stack.function'], 'charge'],
      [['path', 'stack.abs_path'], '/srv/app/billing.js'],
      [['stack.filename'], 'billing.js'],
      [['module', 'stack.module'], 'app.billing'],
      [['package', 'stack.package'], 'libbilling.so'],
      [['level'], 'warning'],
      [['logger'], 'billing'],
      [['message'], 'payment failed'],
      [['tags.server_name'], 'web-3'],
      [['tags.Region'], 'eu'],
    ];
    for (const [names, value] of cases) for (const name of names) expect(resolveFingerprintVariable(name, ctx), name).toBe(value);
  });

  it('lets abs_path and filename stand in for each other when a frame has only one', () => {
    expect(resolveFingerprintVariable('path', { ...ctx, frames: [{ function: 'f', filename: '/srv/a.js', in_app: true }] })).toBe('/srv/a.js');
    expect(resolveFingerprintVariable('stack.filename', { ...ctx, frames: [{ function: 'f', abs_path: '/srv/a.js', in_app: true }] })).toBe('/srv/a.js');
  });

  it('takes the newest frame when none is in-app, and skips frames that are not frames', () => {
    const notInApp = [{ function: 'a' }, { function: 'b', in_app: false }, 'garbage', null];
    expect(resolveFingerprintVariable('function', { ...ctx, frames: notInApp })).toBe('b');
  });

  it("puts Sentry's placeholders in for what the event lacks", () => {
    const expected: Record<string, string> = {
      transaction: '<no-transaction>', type: '<no-type>', value: '<no-value>', function: '<no-function>', 'stack.abs_path': '<no-abs-path>',
      'stack.filename': '<no-filename>', module: '<no-module>', package: '<no-package>', level: '<no-level>', logger: '<no-logger>',
      message: '<no-message>', 'tags.server_name': '<no-value-for-tag-server_name>',
    };
    for (const [name, placeholder] of Object.entries(expected)) expect(resolveFingerprintVariable(name, empty), name).toBe(placeholder);
  });

  it('reads variables like Sentry: the whole entry in double braces, spaces optional, names in any case but tag names', () => {
    expect(fingerprintVariable('{{ transaction }}')).toBe('transaction');
    expect(fingerprintVariable('{{Stack.Function}}')).toBe('stack.function');
    expect(fingerprintVariable('{{ tags.Server_Name }}')).toBe('tags.Server_Name');
    expect(fingerprintVariable('x {{ level }}')).toBeUndefined();
    expect(fingerprintVariable('{{ }}')).toBeUndefined();
    expect(fingerprintVariable('plain')).toBeUndefined();
  });

  it('leaves an unknown variable (or an empty tag name) undefined, so the entry is kept literally', () => {
    for (const name of ['nope', 'stack', 'tags.', 'error', 'release']) expect(resolveFingerprintVariable(name, ctx), name).toBeUndefined();
  });

  it('reads tags as an object or as pairs, strings only, bounded', () => {
    expect([...tagsOf({ a: 'x', b: 2, c: true, d: { no: 1 }, e: null })]).toEqual([['a', 'x'], ['b', '2'], ['c', 'true']]);
    expect([...tagsOf([['a', 'x'], ['b'], 'junk', [3, 'y']])]).toEqual([['a', 'x']]);
    expect(tagsOf(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`t${i}`, 'v']))).size).toBe(200);
    expect(tagsOf({ ['k'.repeat(1000)]: 'v'.repeat(1000) }).get('k'.repeat(200))).toHaveLength(200);
    expect(tagsOf('nope').size).toBe(0);
  });

  it('groups a mapped event by the resolved values; an unknown variable does not crash and stays literal', () => {
    const map = (event: unknown) => mapSentryEvent(SentryEventSchema.parse(event), 1_700_000_000_000, DEFAULT_LIMITS);
    const base = { level: 'error', transaction: 'GET /a', tags: { tenant: 't1' }, exception: { values: [{ type: 'E', value: 'v', stacktrace: { frames } }] } };
    expect(map({ ...base, fingerprint: ['{{ transaction }}', '{{ tags.tenant }}'] }).key).toBe(groupingKey('E', ['fp:GET /a', 'fp:t1']));
    expect(map({ ...base, fingerprint: ['{{ no.such.variable }}'] }).key).toBe(groupingKey('E', ['fp:{{ no.such.variable }}']));
    expect(map({ ...base, fingerprint: ['{{ function }}'] }).key).toBe(map({ ...base, transaction: 'GET /b', fingerprint: ['{{ function }}'] }).key);
  });

  it('never throws, whatever the fingerprint and event (property)', () => {
    const entry = fc.oneof(fc.string(), fc.constantFrom('{{ default }}', '{{ tags.x }}', '{{ function }}', '{{ message }}', '{{ ??? }}'));
    fc.assert(fc.property(fc.array(entry, { maxLength: 8 }), fc.anything(), fc.anything(), (fingerprint, tags, frameList) => {
      const event = SentryEventSchema.parse({ fingerprint, tags, exception: { values: [{ type: 'T', stacktrace: { frames: Array.isArray(frameList) ? frameList : [frameList] } }] } });
      expect(mapSentryEvent(event, 0, DEFAULT_LIMITS).key).toMatch(/^T@[0-9a-f]{12}$/);
    }));
  });
});
