import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK_CHILD = fileURLToPath(new URL('../helpers/otlp-sdk-child.mjs', import.meta.url));
const OTLP_TOKEN = 'otlp-test-token';
const COUNT = 23;

interface PeriskopAggregate {
  aggregation_key: string;
  total_count: number;
  severity: string;
  latest_errors: {
    error: { class: string; message: string; stacktrace: string[] | null; cause: unknown };
    severity: string;
    http_context: { request_method: string; request_url: string; request_headers: Record<string, string> | null; request_body: string } | null;
  }[];
}

/**
 * The real OpenTelemetry JS SDK (BatchSpanProcessor and BatchLogRecordProcessor with the OTLP proto and
 * JSON exporters), in child processes, against an agent process with OTLP on a listener of its own,
 * shipping to a hub process.
 */
describe('OpenTelemetry SDK -> agent (OTLP) -> hub', () => {
  const procs = new Processes();
  let hubPort: number;
  let agentPort: number;
  let otlpPort: number;

  beforeAll(async () => {
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const agent = await procs.start('agent', 'agent', agentConfig('agent-otlp', [hubPort], {}, {
      otlp: { listen: '127.0.0.1:0', tokens: [OTLP_TOKEN] },
    }));
    const line = await agent.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('on its own listener'));
    otlpPort = Number(String(line['listen']).split(':').pop());
    agentPort = await agent.port('agent started');
  });
  afterAll(async () => {
    await procs.cleanup();
  });

  async function sdk(exporter: string, service: string): Promise<void> {
    const args = { base: `http://127.0.0.1:${otlpPort}`, token: OTLP_TOKEN, exporter, service, count: COUNT };
    const { stdout } = await run(process.execPath, [SDK_CHILD, JSON.stringify(args)], { cwd: ROOT, timeout: 30_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ done: true });
  }
  const errors = (service: string) => getJson<PeriskopAggregate[]>(`http://127.0.0.1:${hubPort}/services/${service}/errors/`);
  /** The service's groups once their counts add up to `total`, by class. */
  async function groups(service: string, total: number): Promise<Map<string, PeriskopAggregate>> {
    const list = await pollUntil(() => errors(service).catch(() => []), (l) => l.reduce((sum, a) => sum + a.total_count, 0) === total);
    return new Map(list.map((a) => [a.latest_errors[0]?.error.class ?? '', a]));
  }
  const agentMetric = async (line: string) => {
    const text = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };

  for (const exporter of ['traces-proto', 'traces-json'] as const) {
    it(`shows span exceptions sent by the ${exporter} exporter as one group per type and function, counted exactly`, async () => {
      const service = `shop-${exporter}`;
      await sdk(exporter, service);
      const byClass = await groups(service, COUNT + 2);
      expect([...byClass.keys()].sort()).toEqual(['RangeError', 'TypeError']);
      const type = byClass.get('TypeError') as PeriskopAggregate;
      expect(type.aggregation_key).toMatch(/^TypeError@[0-9a-f]{12}$/);
      expect([type.total_count, type.severity]).toEqual([COUNT, 'error']);
      const sample = type.latest_errors[0];
      expect(sample?.error.message).toMatch(/^order \d+ has no customer$/);
      expect(sample?.error.stacktrace?.[0]).toMatch(/^TypeError: order \d+ has no customer$/);
      expect(sample?.error.stacktrace?.[1]).toMatch(/^\s+at loadOrder \(.*otlp-sdk-child\.mjs:\d+:\d+\)$/);
      expect(sample?.http_context).toMatchObject({ request_method: 'GET', request_body: '' });
      expect(sample?.http_context?.request_url).toMatch(/^http:\/\/shop\.test\/orders\/\d+$/);
      expect(sample?.http_context?.request_headers).toEqual({ 'x-request-id': expect.stringMatching(/^req-\d+$/) as unknown });
      const range = byClass.get('RangeError') as PeriskopAggregate;
      expect([range.total_count, range.severity, range.latest_errors[0]?.error.message]).toEqual([2, 'error', 'amount out of range']);
      expect(range.latest_errors[0]?.http_context).toMatchObject({ request_method: 'POST', request_url: 'http://shop.test/pay', request_headers: null });
    });
  }

  it('shows log records with exceptions with the severity of their SeverityNumber; records without one create nothing', async () => {
    await sdk('logs-proto', 'shop-logs');
    const byClass = await groups('shop-logs', COUNT + 2);
    expect([...byClass.keys()].sort()).toEqual(['RangeError', 'TypeError']);
    const type = byClass.get('TypeError') as PeriskopAggregate;
    expect([type.total_count, type.severity, type.latest_errors[0]?.error.message]).toEqual([COUNT, 'error', expect.stringMatching(/^order \d+ has no customer$/)]);
    expect(type.latest_errors[0]?.error.stacktrace?.[1]).toMatch(/^\s+at loadOrder \(.*otlp-sdk-child\.mjs:\d+:\d+\)$/);
    expect(type.latest_errors[0]?.http_context?.request_url).toMatch(/^http:\/\/shop\.test\/orders\/\d+$/);
    const range = byClass.get('RangeError') as PeriskopAggregate;
    expect([range.total_count, range.severity, range.latest_errors[0]?.http_context]).toEqual([2, 'warning', null]);
  });

  it('counted every span and record and ignored exactly those without an exception', async () => {
    expect(await agentMetric('crowsnest_agent_otlp_items_total{signal="traces"}')).toBe(2 * (COUNT + 7));
    expect(await agentMetric('crowsnest_agent_otlp_items_ignored_total{signal="traces"}')).toBe(2 * 5);
    expect(await agentMetric('crowsnest_agent_otlp_items_total{signal="logs"}')).toBe(COUNT + 7);
    expect(await agentMetric('crowsnest_agent_otlp_items_ignored_total{signal="logs"}')).toBe(5);
    expect(await agentMetric('crowsnest_agent_otlp_exceptions_total{signal="traces",result="accepted"}')).toBe(2 * (COUNT + 2));
    expect(await agentMetric('crowsnest_agent_otlp_exceptions_total{signal="logs",result="accepted"}')).toBe(COUNT + 2);
    // The hub holds the three services with two groups each: nothing came of spans and records without exceptions.
    expect(await getJson<string[]>(`http://127.0.0.1:${hubPort}/services/`)).toEqual(['shop-logs', 'shop-traces-json', 'shop-traces-proto']);
    for (const service of ['shop-logs', 'shop-traces-json', 'shop-traces-proto']) expect((await errors(service)).length, service).toBe(2);
  });
});
