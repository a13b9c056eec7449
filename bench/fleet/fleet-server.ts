import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from '../../demo/random.js';
import { benchKinds } from './bench-kinds.js';
import { BenchTarget } from './bench-target.js';
import type { FleetMode, FleetSpec, FromFleet, ToFleet } from './fleet-protocol.js';

/**
 * The benchmark fleet, run as a child process of the harness (`fork`): `spec.targets` simulated
 * Periskop clients, each on its own 127.0.0.1 port (each target its own connection, as real
 * instances are), all served from this one process so the agent under test is measured alone.
 * Exits when the harness's IPC channel closes.
 */
async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as FleetSpec;
  const send = (m: FromFleet) => process.send?.(m);
  const random = seeded(spec.seed);
  const kinds = benchKinds(spec.keys);
  let mode: FleetMode = 'changing';
  let served = 0;
  const servers: Server[] = [];
  const targets: { service: string; address: string }[] = [];
  for (let i = 0; i < spec.targets; i++) {
    const target = new BenchTarget({ kinds, random, samplesPerKey: spec.samplesPerKey, now: Date.now });
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || !(req.url === '/errors' || req.url?.startsWith('/errors?'))) {
        res.writeHead(404).end();
        return;
      }
      if (mode === 'changing') target.record(spec.changesPerScrape);
      else if (mode === 'churn') target.restart();
      const body = target.bytes();
      served++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    const service = spec.services[i % spec.services.length] as string;
    targets.push({ service, address: `127.0.0.1:${(server.address() as AddressInfo).port}` });
  }
  process.on('message', (m: ToFleet) => {
    if (m.type === 'mode') {
      mode = m.mode;
      send({ type: 'mode', mode, served });
    }
  });
  process.on('disconnect', () => process.exit(0));
  const probe = new BenchTarget({ kinds, random: seeded(spec.seed + 1), samplesPerKey: spec.samplesPerKey, now: Date.now });
  send({ type: 'ready', targets, bodyBytes: probe.bytes().length });
}

main().catch((err: Error) => {
  process.stderr.write(`fleet: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
