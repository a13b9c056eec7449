import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupingKey } from '../../agent/ingest/sentry/grouping.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK_CHILD = fileURLToPath(new URL('../helpers/sentry-sdk-child.mjs', import.meta.url));
const KEY = 'fedcba9876543210fedcba9876543210';

interface Case {
  name: string;
  fingerprint?: string[];
  kind?: 'message';
  type?: string;
  message: string;
  fn?: 'chargeCard' | 'refundCard';
  tags?: Record<string, string>;
  level?: string;
  logger?: string;
  transaction?: string;
}
interface Frame { function?: string; module?: string; filename?: string; abs_path?: string; package?: string; in_app?: boolean }
interface SdkRun { eventIds: string[]; sent: { event_id: string; frames: Frame[] }[]; closed: boolean }

const base = { type: 'CardDeclined', message: 'card 4242 declined', fn: 'chargeCard', tags: { server_name: 'web-3', tenant: 'acme' }, level: 'warning', logger: 'billing', transaction: 'POST /pay' } as const;
/** Every variable Sentry documents for fingerprints (aliases too), each on an event of the real SDK. */
const CASES: Case[] = [
  { name: 'default', ...base, fingerprint: ['{{ default }}'] },
  { name: 'no fingerprint', ...base, message: 'card 1111 declined' },
  { name: 'default + literal', ...base, fingerprint: ['{{ default }}', 'tenant-7'] },
  { name: 'transaction', ...base, fingerprint: ['{{ transaction }}'] },
  { name: 'type', ...base, fingerprint: ['{{ type }}'] },
  { name: 'error.type', ...base, fingerprint: ['{{ error.type }}'] },
  { name: 'value', ...base, fingerprint: ['{{ value }}'] },
  { name: 'error.value', ...base, fingerprint: ['{{ error.value }}'] },
  { name: 'function', ...base, fingerprint: ['{{ function }}'] },
  { name: 'stack.function', ...base, fn: 'refundCard', fingerprint: ['{{ stack.function }}'] },
  { name: 'module', ...base, fingerprint: ['{{ module }}'] },
  { name: 'stack.module', ...base, fingerprint: ['{{ stack.module }}'] },
  { name: 'path', ...base, fingerprint: ['{{ path }}'] },
  { name: 'stack.abs_path', ...base, fingerprint: ['{{ stack.abs_path }}'] },
  { name: 'stack.filename', ...base, fingerprint: ['{{ stack.filename }}'] },
  { name: 'package', ...base, fingerprint: ['{{ package }}'] },
  { name: 'stack.package', ...base, fingerprint: ['{{ stack.package }}'] },
  { name: 'level', ...base, fingerprint: ['{{ level }}'] },
  { name: 'logger', ...base, fingerprint: ['{{ logger }}'] },
  { name: 'tags.server_name', ...base, fingerprint: ['{{ tags.server_name }}', '{{ tags.tenant }}'] },
  { name: 'missing tag', ...base, fingerprint: ['{{ tags.missing }}'] },
  { name: 'message', kind: 'message', message: 'disk almost full', level: 'error', fingerprint: ['{{ message }}', '{{ level }}'] },
  { name: 'no transaction', kind: 'message', message: 'quiet', fingerprint: ['{{ transaction }}', '{{ function }}'] },
  { name: 'unknown variable', ...base, fingerprint: ['{{ no.such.variable }}', '{{ release }}'] },
];

/**
 * Fingerprint variables with the real @sentry/node SDK in a child process, against a real agent
 * process shipping to a real hub: each event lands in the group whose key is the hash of the values
 * the variables stand for.
 */
describe('Sentry SDK fingerprint variables -> agent -> hub', () => {
  const procs = new Processes();
  let hubPort: number;
  let result: SdkRun;
  const keyOf = new Map<string, string>();

  beforeAll(async () => {
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const agent = await procs.start('agent', 'agent', agentConfig('agent-fp', [hubPort], {}, { sentry: { projects: [{ id: 3, key: KEY, service: 'fp' }] } }));
    const agentPort = await agent.port('agent started');
    const { stdout } = await run(process.execPath, [SDK_CHILD, JSON.stringify({ dsn: `http://${KEY}@127.0.0.1:${agentPort}/3`, scenario: 'fingerprints', cases: CASES })], { cwd: ROOT, timeout: 30_000 });
    result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as SdkRun;
    expect(result.closed).toBe(true);
    const errors = await pollUntil(
      () => getJson<{ aggregation_key: string; latest_errors: { uuid: string }[] }[]>(`http://127.0.0.1:${hubPort}/services/fp/errors/`),
      (l) => result.eventIds.every((id) => l.some((a) => a.latest_errors.some((e) => e.uuid === id))),
    );
    CASES.forEach((c, i) => keyOf.set(c.name, errors.find((a) => a.latest_errors.some((e) => e.uuid === result.eventIds[i]))?.aggregation_key ?? ''));
  }, 60_000);

  afterAll(async () => procs.cleanup());

  /** The crash frame the SDK sent for a case: its newest in-app frame. */
  const crashFrame = (name: string): Frame => {
    const id = result.eventIds[CASES.findIndex((c) => c.name === name)];
    const frames = result.sent.find((s) => s.event_id === id)?.frames ?? [];
    return frames.filter((f) => f.in_app === true).at(-1) ?? {};
  };
  const key = (cls: string, ...values: string[]) => groupingKey(cls, values.map((v) => `fp:${v}`));

  it('{{ default }} is the default grouping, alone or refined by other values', () => {
    expect(keyOf.get('default')).toBe(keyOf.get('no fingerprint'));
    expect(keyOf.get('default')).toMatch(/^CardDeclined@[0-9a-f]{12}$/);
    expect(keyOf.get('default + literal')).not.toBe(keyOf.get('default'));
  });

  it('fills in the transaction, the error type and value, the level, the logger and tags', () => {
    expect(keyOf.get('transaction')).toBe(key('CardDeclined', 'POST /pay'));
    expect(keyOf.get('type')).toBe(key('CardDeclined', 'CardDeclined'));
    expect(keyOf.get('error.type')).toBe(keyOf.get('type'));
    expect(keyOf.get('value')).toBe(key('CardDeclined', 'card 4242 declined'));
    expect(keyOf.get('error.value')).toBe(keyOf.get('value'));
    expect(keyOf.get('level')).toBe(key('CardDeclined', 'warning'));
    expect(keyOf.get('logger')).toBe(key('CardDeclined', 'billing'));
    expect(keyOf.get('tags.server_name')).toBe(key('CardDeclined', 'web-3', 'acme'));
    expect(keyOf.get('missing tag')).toBe(key('CardDeclined', '<no-value-for-tag-missing>'));
  });

  it('fills in the function, module, path, file name and package of the crash frame', () => {
    const frame = crashFrame('function');
    expect(frame.function).toBe('chargeCard');
    expect(keyOf.get('function')).toBe(key('CardDeclined', 'chargeCard'));
    expect(keyOf.get('stack.function')).toBe(key('CardDeclined', 'refundCard'));
    expect(frame.module).toBeTruthy();
    expect(keyOf.get('module')).toBe(key('CardDeclined', frame.module ?? ''));
    expect(keyOf.get('stack.module')).toBe(keyOf.get('module'));
    // @sentry/node sends the absolute path as filename and no abs_path: it stands in for both.
    expect(frame.filename).toMatch(/^\/.*sentry-sdk-child\.mjs$/);
    expect(frame.abs_path).toBeUndefined();
    expect(keyOf.get('path')).toBe(key('CardDeclined', frame.filename ?? ''));
    expect(keyOf.get('stack.abs_path')).toBe(keyOf.get('path'));
    expect(keyOf.get('stack.filename')).toBe(keyOf.get('path'));
    // Node frames carry no package (an object file): Sentry's placeholder stands in.
    expect(frame.package).toBeUndefined();
    expect(keyOf.get('package')).toBe(key('CardDeclined', '<no-package>'));
    expect(keyOf.get('stack.package')).toBe(keyOf.get('package'));
  });

  it('fills in the message of a message event, and placeholders for what an event lacks', () => {
    expect(keyOf.get('message')).toBe(key('Message', 'disk almost full', 'error'));
    expect(keyOf.get('no transaction')).toBe(key('Message', '<no-transaction>', '<no-function>'));
  });

  it('keeps an unknown variable as literal text, as Sentry does, and counts the event', () => {
    expect(keyOf.get('unknown variable')).toBe(key('CardDeclined', '{{ no.such.variable }}', '{{ release }}'));
  });
});
