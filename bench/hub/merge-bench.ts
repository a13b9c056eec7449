import { join } from 'node:path';
import { WebSocket } from 'ws';
import { decodeHubMessage, decodeSourceMessage, encodeMessage } from '../../common/federation/codec.js';
import type { Delta } from '../../common/federation/messages.js';
import { WireStringEncoder } from '../../common/federation/string-table.js';
import { HubState } from '../../hub/state/hub-state.js';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { getText, sleep } from '../harness/http.js';
import type { BenchOptions } from '../harness/options.js';
import { cpuSeconds } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { median, round } from '../harness/stats.js';
import { DeltaSource } from './delta-source.js';
import { startHubOn } from './hub-fixture.js';

const SAMPLE_SHARE = 0.2;

export interface InProcessMerge {
  readonly groups: number;
  readonly updatesPerRound: number;
  /** Updates per second of merge time in the first pass (groups created). */
  readonly firstPass: number;
  /** Updates per second of merge time in each later pass (the steady state). */
  readonly steady: readonly number[];
  /** Updates per second of decoding and validating the frames (`decodeSourceMessage`) in the steady passes. */
  readonly decode: readonly number[];
}

/**
 * `HubState.mergeMessage` driven in this process with realistic deltas (growing per-lineage counts,
 * one new sample on a fifth of the updates) from `sources` simulated agents, each passing over every
 * key of every service once per round. Each delta is encoded and decoded as the hub receives it (so
 * its strings are what the decoder makes); the decoding (with validation) and the merge are timed
 * apart.
 */
export function mergeInProcess(o: BenchOptions['merge']): InProcessMerge {
  const services = Array.from({ length: o.services }, (_, i) => `svc-${i + 1}`);
  const state = new HubState({ samplesPerGroup: 20 });
  const agents = Array.from({ length: o.sources }, (_, i) => {
    const name = `agent-${i + 1}`;
    const source = state.source(name, 'agent', 'e1');
    const lineage = state.lineages.intern(name, 'e1', {}, []).id;
    return { source, lineage, deltas: new DeltaSource({ seed: i + 1, services, keysPerService: o.keysPerService, updatesPerMessage: o.updatesPerMessage, sampleShare: SAMPLE_SHARE }) };
  });
  const perPass = Math.ceil((o.services * o.keysPerService) / o.updatesPerMessage);
  const rates: number[] = [];
  const decodeRates: number[] = [];
  let seq = 0;
  let now = Date.now();
  for (let round = 0; round <= o.rounds; round++) {
    let ms = 0;
    let decodeMs = 0;
    let updates = 0;
    for (let m = 0; m < perPass; m++) {
      for (const a of agents) {
        const frame = encodeMessage(a.deltas.next(++seq, (now += 1)));
        const decodeStarted = performance.now();
        const delta = decodeSourceMessage(frame, 64 * 1024 * 1024) as Delta;
        const started = performance.now();
        const stats = state.mergeMessage(a.source, delta, (ref) => (ref === 0 ? a.lineage : undefined));
        ms += performance.now() - started;
        decodeMs += started - decodeStarted;
        updates += stats.groups;
      }
    }
    rates.push(updates / (ms / 1000));
    decodeRates.push(updates / (decodeMs / 1000));
  }
  return {
    groups: state.stats().groups, updatesPerRound: perPass * agents.length * Math.min(o.updatesPerMessage, o.services * o.keysPerService),
    firstPass: rates[0] ?? 0, steady: rates.slice(1), decode: decodeRates.slice(1),
  };
}

export interface EndToEndMerge {
  readonly seconds: number;
  readonly updates: number;
  readonly perSecond: number;
  /** Updates per CPU second of the hub process (robust against a busy machine). */
  readonly perHubCpuSecond: number;
  readonly hubCpuShare: number;
  readonly driverCpuShare: number;
  readonly messages: number;
  readonly bytesPerUpdate: number;
}

/**
 * The same deltas through a real hub process: `sources` WebSocket connections speaking the federation
 * protocol (hello, then a delta after each ack, samples through the connection's string table),
 * measured from the hub's own metrics over a window after a warm-up.
 */
export async function mergeEndToEnd(ctx: BenchContext): Promise<EndToEndMerge> {
  const o = ctx.options.merge;
  const hub = await startHubOn(ctx, 'merge-hub', join(ctx.dir, 'merge-hub'), 60_000);
  const services = Array.from({ length: o.services }, (_, i) => `svc-${i + 1}`);
  let running = true;
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < o.sources; i++) {
      const deltas = new DeltaSource({ seed: 100 + i, services, keysPerService: o.keysPerService, updatesPerMessage: o.updatesPerMessage, sampleShare: SAMPLE_SHARE });
      const strings = new WireStringEncoder();
      const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/federate`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` }, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
      sockets.push(ws);
      let seq = 0;
      const sendNext = () => {
        if (!running) return;
        const frame = encodeMessage(deltas.next(++seq, Date.now(), strings));
        strings.commit();
        ws.send(frame);
      };
      ws.on('open', () => ws.send(encodeMessage({ t: 'hello', protocol: 1, name: `bench-agent-${i + 1}`, epoch: 'e1', kind: 'agent', labels: { region: 'bench' }, version: 'bench', path: [] })));
      ws.on('message', (data: Buffer) => {
        decodeHubMessage(data, 1024 * 1024);
        sendNext();
      });
      ws.on('error', (err) => ctx.log(`merge: driver socket error: ${err.message}`));
    }
    const read = async () => ({ at: performance.now(), text: await getText(`http://127.0.0.1:${hub.port}/metrics`), hubCpu: cpuSeconds(hub.proc.pid), driver: process.cpuUsage() });
    // Warm-up: every source passes over its keys once (the groups exist), then the window.
    const perPass = Math.ceil((o.services * o.keysPerService) / o.updatesPerMessage);
    const warmDeadline = Date.now() + 60_000;
    while (Date.now() < warmDeadline && metricSum(await getText(`http://127.0.0.1:${hub.port}/metrics`), 'crowsnest_hub_messages_received_total') < perPass * o.sources) await sleep(250);
    const start = await read();
    await sleep(o.e2eSeconds * 1000);
    const end = await read();
    running = false;
    const seconds = (end.at - start.at) / 1000;
    const updates = metricSum(end.text, 'crowsnest_hub_group_updates_total') - metricSum(start.text, 'crowsnest_hub_group_updates_total');
    const messages = metricSum(end.text, 'crowsnest_hub_messages_received_total') - metricSum(start.text, 'crowsnest_hub_messages_received_total');
    const bytes = metricSum(end.text, 'crowsnest_hub_bytes_received_total') - metricSum(start.text, 'crowsnest_hub_bytes_received_total');
    const hubCpu = end.hubCpu - start.hubCpu;
    const driverCpu = (end.driver.user + end.driver.system - start.driver.user - start.driver.system) / 1e6;
    return {
      seconds, updates, perSecond: updates / seconds, perHubCpuSecond: updates / hubCpu, hubCpuShare: hubCpu / seconds, driverCpuShare: driverCpu / seconds,
      messages, bytesPerUpdate: bytes / Math.max(1, updates),
    };
  } finally {
    running = false;
    for (const ws of sockets) ws.terminate();
    await hub.proc.stop();
  }
}

/** Hub merge throughput (DESIGN section 9: at least 200,000 group updates per second). */
export async function mergeBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.merge;
  ctx.log(`merge: in process, ${o.sources} sources x ${o.services * o.keysPerService} groups, ${o.rounds} rounds`);
  const inProcess = mergeInProcess(o);
  ctx.log(`merge: end to end through a real hub, ${o.sources} connections, ${o.e2eSeconds} s`);
  const e2e = await mergeEndToEnd(ctx);
  const steady = median(inProcess.steady);
  return {
    name: 'merge',
    figures: { inProcess, endToEnd: e2e },
    checks: [
      check('hub merge, in process (group updates/s, median of rounds)', steady, '>=', 200_000),
      check('hub merge, end to end through a real hub (group updates/s)', e2e.perSecond, '>=', 200_000),
    ],
    tables: [
      {
        title: `Hub merge throughput (${o.sources} sources, ${inProcess.groups.toLocaleString('en-US')} groups, ${o.updatesPerMessage} updates per message, ${SAMPLE_SHARE * 100}% with a new sample)`,
        header: ['path', 'group updates/s', 'per hub CPU s', 'notes'],
        rows: [
          ['HubState.mergeMessage, first pass (groups created)', round(inProcess.firstPass), null, 'in process, merge calls only'],
          ['HubState.mergeMessage, steady state (median of rounds)', round(steady), null, `rounds: ${inProcess.steady.map((r) => round(r, 3)).join(', ')}`],
          ['decodeSourceMessage (unpack + validate), steady state', round(median(inProcess.decode)), null, 'in process, the same frames'],
          ['real hub: decode + validate + merge + ack', round(e2e.perSecond), round(e2e.perHubCpuSecond),
            `${round(e2e.messages / e2e.seconds)} msg/s, ${round(e2e.bytesPerUpdate)} B/update, hub ${round(e2e.hubCpuShare * 100)}% of a core, driver ${round(e2e.driverCpuShare * 100)}%`],
        ],
      },
    ],
  };
}
