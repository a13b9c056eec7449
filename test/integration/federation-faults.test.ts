import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet, type FleetTarget } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, TOKEN, totalsText } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The promise of DESIGN section 4 with real processes: agents -> regional hub -> global hub, with a
 * TCP proxy the test controls on the links. Through SIGKILLs of every kind of process, a partition
 * of 30 changing scrape rounds and a slow link, the global totals end equal to the sum over the simulated targets, and
 * the agent's memory stays flat while it is cut off.
 */
describe('federation under faults', () => {
  const procs = new Processes();
  let fleet: Fleet;
  let dir: string;
  let globalPort: number;
  let global: CrowsnestProcess;
  let regional: CrowsnestProcess;
  let regionalPort: number;
  let withState: CrowsnestProcess;
  let stateless: CrowsnestProcess;
  let agentToRegional: TcpProxy;
  let regionalToGlobal: TcpProxy;
  const A = 'checkout';
  const B = 'search';
  const ofService = (s: string) => (t: FleetTarget) => t.service === s;

  const expected = () => totalsText(fleet.expectedTotals());
  const converged = async () => expect(await pollUntil(async () => totalsText(await hubTotals(globalPort)), (t) => t === expected(), 60_000)).toBe(expected());
  const globalConfig = (port = 0) => hubConfig(`${dir}/global`, { hub_id: 'global', ...(port ? { listen: `127.0.0.1:${port}` } : {}) });
  const regionalConfig = (port = 0) =>
    hubConfig(`${dir}/regional`, {
      hub_id: 'eu',
      ...(port ? { listen: `127.0.0.1:${port}` } : {}),
      upstream: { url: `ws://127.0.0.1:${regionalToGlobal.port}/federate`, token: TOKEN, labels: { region: 'eu' } },
    });
  const withStateConfig = () => agentConfig('eu-a', [agentToRegional.port], { [A]: fleet.addresses(A) }, { state_dir: `${dir}/eu-a`, state_interval: '200ms' });
  const statelessConfig = () => agentConfig('eu-b', [regionalPort], { [B]: fleet.addresses(B) });
  const agentRss = async (proc: CrowsnestProcess) => {
    const text = await (await fetch(`http://127.0.0.1:${await proc.port('agent started')}/metrics`)).text();
    return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
  };
  const okScrapes = async (proc: CrowsnestProcess) => {
    const text = await (await fetch(`http://127.0.0.1:${await proc.port('agent started')}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^crowsnest_agent_scrapes_total\{[^}]*result="ok"[^}]*\} (\S+)$/gm)) n += Number(m[1]);
    return n;
  };
  const targetsUp = async (proc: CrowsnestProcess, n: number) => {
    const port = await proc.port('agent started');
    await pollUntil(() => getJson<{ up: boolean }[]>(`http://127.0.0.1:${port}/targets`), (t) => t.length === n && t.every((x) => x.up));
  };

  beforeAll(async () => {
    dir = await procs.tempDir();
    fleet = await Fleet.start({ services: [A, B], targetsPerService: 6, seed: 21 });
    fleet.tick();
    ({ proc: global, port: globalPort } = await startHub(procs, 'global', globalConfig()));
    regionalToGlobal = await TcpProxy.start(globalPort);
    ({ proc: regional, port: regionalPort } = await startHub(procs, 'regional', regionalConfig()));
    agentToRegional = await TcpProxy.start(regionalPort);
    withState = await procs.start('agent', 'eu-a', withStateConfig());
    stateless = await procs.start('agent', 'eu-b', statelessConfig());
  });

  afterAll(async () => {
    await procs.cleanup();
    await agentToRegional?.close();
    await regionalToGlobal?.close();
    await fleet.close();
  });

  it('starts exact', async () => {
    await converged();
  });

  it('stays exact after SIGKILL of an agent with state_dir', async () => {
    withState.kill('SIGKILL');
    await withState.exited;
    fleet.tick(ofService(A));
    withState = await procs.start('agent', 'eu-a-2', withStateConfig());
    await converged();
  });

  it('does not double count after SIGKILL of an agent without state', async () => {
    stateless.kill('SIGKILL');
    await stateless.exited;
    stateless = await procs.start('agent', 'eu-b-2', statelessConfig());
    await stateless.waitForLog((l) => l.msg === 'start mode settled by the hub' && l['mode'] === 'restart');
    await targetsUp(stateless, 6);
    fleet.tick(ofService(B));
    await converged();
  });

  it('stays exact after SIGKILL of the regional hub', async () => {
    regional.kill('SIGKILL');
    await regional.exited;
    fleet.tick(ofService(A));
    ({ proc: regional } = await startHub(procs, 'regional-2', regionalConfig(regionalPort)));
    await converged();
  });

  it('stays exact after SIGKILL of the global hub', async () => {
    global.kill('SIGKILL');
    await global.exited;
    fleet.tick();
    ({ proc: global } = await startHub(procs, 'global-2', globalConfig(globalPort)));
    await converged();
  });

  it('heals a partition of 30 changing scrape rounds exactly, with the agent memory flat while cut off', async () => {
    await targetsUp(withState, 6);
    agentToRegional.partition();
    regionalToGlobal.partition();
    const before = await agentRss(withState);
    // Each round changes every target, then waits until the agent has scraped each of them twice
    // since (so at least once after the change): rounds of work, not seconds.
    const rounds = 30;
    for (let round = 0; round < rounds; round++) {
      fleet.tick();
      const from = await okScrapes(withState);
      await pollUntil(() => okScrapes(withState), (n) => n >= from + 2 * 6, 20_000);
    }
    const after = await agentRss(withState);
    agentToRegional.heal();
    regionalToGlobal.heal();
    process.stdout.write(`partition: ${rounds} rounds, agent RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB\n`);
    expect(after - before).toBeLessThan(24 * 2 ** 20);
    await converged();
  }, 180_000);

  it('stays exact over a slow link', async () => {
    regionalToGlobal.delay(300);
    regionalToGlobal.throttle(64 * 1024);
    fleet.tick();
    await converged();
    regionalToGlobal.heal();
  });
});
