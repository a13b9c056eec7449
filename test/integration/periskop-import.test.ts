import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

type Aggregate = { aggregation_key: string; total_count: number };

/** An agent imports an existing Periskop server's `/services/` and `/services/{name}/errors/`. */
describe('import from a legacy Periskop server', () => {
  const procs = new Processes();
  let periskop: Server;
  let answer: Aggregate[];
  let hubPort: number;

  beforeAll(async () => {
    answer = JSON.parse(readFileSync(new URL('../fixtures/periskop/periskop-server-api-errors-from-mocktarget.derived.json', import.meta.url), 'utf8')) as Aggregate[];
    periskop = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/services/') res.end(JSON.stringify(['mock-target']));
      else if (req.url === '/services/mock-target/errors/') res.end(JSON.stringify(answer));
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => periskop.listen(0, '127.0.0.1', resolve));
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    await procs.start('agent', 'importer', {
      agent: {
        name: 'importer',
        listen: '127.0.0.1:0',
        hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: TOKEN }],
        flush_interval: '100ms',
        imports: [{ url: `http://127.0.0.1:${(periskop.address() as AddressInfo).port}`, refresh_interval: '200ms' }],
      },
    });
  });

  afterAll(async () => {
    await procs.cleanup();
    await new Promise((r) => periskop.close(r));
  });

  const totals = () => pollUntil(() => hubTotals(hubPort), (t) => t.has('mock-target'));

  it('brings in every service with its totals', async () => {
    const expected = new Map(answer.map((a) => [a.aggregation_key, a.total_count]));
    const got = await pollUntil(async () => (await totals()).get('mock-target'), (t) => t?.size === expected.size);
    expect(got).toEqual(expected);
  });

  it('counts only growth above the highest total seen when the server\'s total drops', async () => {
    const key = 'java.lang.Exception@456';
    const first = answer.find((a) => a.aggregation_key === key) as Aggregate;
    const start = first.total_count;
    first.total_count = start - 100; // a target of the legacy server went away
    await pollUntil(async () => (await totals()).get('mock-target')?.get(key), (n) => n === start, 5_000);
    first.total_count = start + 7;
    const grown = await pollUntil(async () => (await totals()).get('mock-target')?.get(key), (n) => n === start + 7);
    expect(grown).toBe(start + 7);
  });
});
