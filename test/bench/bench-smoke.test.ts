import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../common/limits.js';
import { silentLogger } from '../../common/log.js';
import { parseClientPayload } from '../../agent/wire/client-payload.js';
import { seeded } from '../../demo/random.js';
import { HubState } from '../../hub/state/hub-state.js';
import { HubStore } from '../../hub/store/hub-store.js';
import { measureParseFloor } from '../../bench/agent/parse-floor.js';
import { runCodecBench } from '../../bench/codec.js';
import { ProbeTarget } from '../../bench/e2e/probe-target.js';
import { benchKinds } from '../../bench/fleet/bench-kinds.js';
import { BenchTarget } from '../../bench/fleet/bench-target.js';
import { FleetClient } from '../../bench/fleet/fleet-client.js';
import { children } from '../../bench/harness/children.js';
import { parseOptions } from '../../bench/harness/options.js';
import { metricSum, seriesCount } from '../../bench/harness/prom-text.js';
import { quantile } from '../../bench/harness/stats.js';
import { mergeInProcess } from '../../bench/hub/merge-bench.js';
import { syntheticState } from '../../bench/hub/synthetic.js';
import { BIG_SERVICE, type ScaleFleet, ScaleSource } from '../../bench/hub/scale-source.js';
import { BENCH_TOKEN } from '../../bench/harness/context.js';
import { hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * The benchmark code itself works (shapes and invariants only, never timings: speed is measured by
 * `npm run bench`, not by tests).
 */
afterAll(() => children.killAll());

const target = (samplesPerKey = 10, keys = 50) => new BenchTarget({ kinds: benchKinds(keys), random: seeded(1), samplesPerKey, now: () => 1_700_000_000_000 });
const payloadOf = (body: Buffer) => parseClientPayload(JSON.parse(body.toString('utf8')), DEFAULT_LIMITS);

describe('BenchTarget', () => {
  it('serves a valid Periskop payload with every key and a full sample buffer per key', () => {
    const payload = payloadOf(target().bytes());
    expect(payload.dropped).toEqual({});
    expect(payload.aggregates).toHaveLength(50);
    expect(new Set(payload.aggregates.map((a) => a.key)).size).toBe(50);
    for (const a of payload.aggregates) expect(a.rawSamples).toHaveLength(10);
  });

  it('serves identical bytes until an occurrence is recorded, then counts grow by exactly what was recorded', () => {
    const t = target();
    const before = t.bytes();
    expect(t.bytes()).toBe(before);
    t.record(5);
    const after = t.bytes();
    expect(after.equals(before)).toBe(false);
    const sum = (b: Buffer) => payloadOf(b).aggregates.reduce((n, a) => n + a.totalCount, 0);
    expect(sum(after) - sum(before)).toBe(5);
  });

  it('restarts as a new instance: new target_uuid, every sample new', () => {
    const t = target(3, 4);
    const before = payloadOf(t.bytes());
    t.restart();
    const after = payloadOf(t.bytes());
    expect(after.targetUuid).not.toBe(before.targetUuid);
    const uuids = (p: typeof before) => new Set(p.aggregates.flatMap((a) => a.rawSamples.map((s) => (s as { uuid: string }).uuid)));
    const old = uuids(before);
    expect([...uuids(after)].some((u) => old.has(u))).toBe(false);
  });
});

describe('benchmark fleet process', () => {
  it('serves each target on its own port and switches between changing, static and churn', async () => {
    const fleet = await FleetClient.start({ services: ['a', 'b'], targets: 3, keys: 5, samplesPerKey: 2, changesPerScrape: 1, seed: 1 });
    try {
      expect(fleet.addresses('a')).toHaveLength(2);
      expect(fleet.addresses('b')).toHaveLength(1);
      const url = `http://${fleet.addresses('a')[0] as string}/errors`;
      const get = async () => Buffer.from(await (await fetch(url)).arrayBuffer());
      expect((await get()).equals(await get())).toBe(false);
      await fleet.setMode('static');
      const fixed = await get();
      expect((await get()).equals(fixed)).toBe(true);
      await fleet.setMode('churn');
      expect(payloadOf(await get()).targetUuid).not.toBe(payloadOf(fixed).targetUuid);
    } finally {
      await fleet.stop();
    }
  });
});

describe('latency probe target', () => {
  it('serves a Periskop payload whose count and newest sample change by one bump, and logs when it was fetched', async () => {
    const probe = await ProbeTarget.start(target(3, 1), false);
    try {
      const url = `http://${probe.address}/errors`;
      const get = async () => payloadOf(Buffer.from(await (await fetch(url)).arrayBuffer()));
      const before = await get();
      expect(before.aggregates).toHaveLength(1);
      expect((await get()).aggregates[0]?.totalCount).toBe(before.aggregates[0]?.totalCount);
      const t0 = performance.now();
      expect(probe.firstRequestAfter(t0)).toBeUndefined();
      const total = probe.bump();
      const after = await get();
      expect(after.aggregates[0]?.totalCount).toBe(total);
      expect(total).toBe((before.aggregates[0]?.totalCount ?? 0) + 1);
      expect((after.aggregates[0]?.rawSamples[0] as { uuid: string }).uuid).not.toBe((before.aggregates[0]?.rawSamples[0] as { uuid: string }).uuid);
      expect(probe.firstRequestAfter(t0)).toBeGreaterThan(t0);
    } finally {
      await probe.close();
    }
  });

  it('records one occurrence before every answer when changing', async () => {
    const probe = await ProbeTarget.start(target(2, 3), true);
    try {
      const url = `http://${probe.address}/errors`;
      const sum = async () => payloadOf(Buffer.from(await (await fetch(url)).arrayBuffer())).aggregates.reduce((n, a) => n + a.totalCount, 0);
      const first = await sum();
      expect(await sum()).toBe(first + 1);
      expect(probe.totalCount).toBe(first + 1);
    } finally {
      await probe.close();
    }
  });
});

describe('in-process benchmarks at their smallest scale', () => {
  it('compares every codec on every payload and times the hub snapshot codec', () => {
    const r = runCodecBench({ deltaGroups: 10, syncGroups: 10, snapshotGroups: 50, reps: 1 });
    expect(r.rows).toHaveLength(9);
    for (const row of r.rows) {
      expect(row.bytes).toBeGreaterThan(0);
      expect(Number.isFinite(row.encodeMs) && Number.isFinite(row.decodeMs)).toBe(true);
    }
    expect(r.snapshot.groups).toBe(50);
    expect(r.snapshot.bytes).toBeGreaterThan(0);
    // runCodecBench throws if the bench delta missed the exact check, which would time zod twice.
    expect(Number.isFinite(r.validateMs.exactDelta) && Number.isFinite(r.validateMs.zodDelta)).toBe(true);
  });

  it('merges deltas from every source into every group and reports a rate per round', () => {
    const r = mergeInProcess({ sources: 2, services: 2, keysPerService: 20, updatesPerMessage: 10, rounds: 2, e2eSeconds: 1 });
    expect(r.groups).toBe(40);
    expect(r.updatesPerRound).toBe(80);
    expect(r.steady).toHaveLength(2);
    expect(r.firstPass).toBeGreaterThan(0);
  });

  it('measures the parse floor of the bodies the fleet serves', () => {
    const floor = measureParseFloor([target(2, 5).bytes(), target(2, 5).bytes()], 1);
    expect(floor.bodies).toBe(2);
    expect(floor.parseSecondsPerByte).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(floor.sha1MsPerBody)).toBe(true);
  });
});

describe('synthetic hub state', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('round-trips through the hub store: a hub loading the snapshot holds every group', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crowsnest-bench-test-'));
    dirs.push(dir);
    const state = syntheticState({ services: [['a', 30], ['b', 20]], lineages: 3, samplesPerGroup: 2, withSamples: 0.5, withSeries: 0.5, now: 1_700_000_000_000 });
    expect(state.stats().groups).toBe(50);
    const writer = new HubStore(dir, state, silentLogger());
    await writer.snapshot('bench-test');
    await writer.close();
    const loaded = new HubState({ samplesPerGroup: 20 });
    const reader = new HubStore(dir, loaded, silentLogger());
    await reader.open(undefined);
    await reader.close();
    expect(loaded.stats().groups).toBe(50);
    expect(loaded.stats().samples).toBe(state.stats().samples);
    expect(loaded.group('a', [...(state.services.get('a')?.keys() ?? [])][0] as string)?.total).toBeGreaterThan(0);
  });
});

describe('scale sources (--only scale) against a real hub', () => {
  const procs = new Processes();
  afterAll(() => procs.cleanup());

  it('sync their share of the fleet in parts, stream acked deltas, and the hub totals are their sums; they re-sync after a hub restart', async () => {
    const dir = await procs.tempDir();
    const config = hubConfig(dir, { agent_tokens: [BENCH_TOKEN] });
    let hub = await startHub(procs, 'scale-smoke', config);
    const fleet: ScaleFleet = { sources: 3, groups: 900, services: 4, bigGroups: 100, partSize: 70, sampleShare: 0.5 };
    const sources = Array.from({ length: 3 }, (_, i) => new ScaleSource(fleet, i, () => hub.port));
    const total = async () => (await getJson<{ items: { name: string; total_count: number; groups?: number }[] }>(`http://127.0.0.1:${hub.port}/api/v1/services`)).items;
    const sum = () => sources.reduce((n, s) => n + s.total, 0);
    try {
      for (const s of sources) s.connect();
      await pollUntil(async () => sources.every((s) => s.synced), (ok) => ok);
      let items = await pollUntil(total, (list) => list.reduce((n, x) => n + x.total_count, 0) === sum());
      expect(items.map((x) => x.name).sort()).toEqual([BIG_SERVICE, 'svc-1', 'svc-2', 'svc-3']);
      for (let i = 0; i < 5; i++) {
        await pollUntil(async () => sources.every((s) => !s.busy), (ok) => ok);
        for (const s of sources) expect(s.tick(10)).toBe(true);
      }
      await pollUntil(async () => sources.every((s) => !s.busy), (ok) => ok);
      expect(sources.every((s) => s.ackMs.length === 5)).toBe(true);
      items = await pollUntil(total, (list) => list.reduce((n, x) => n + x.total_count, 0) === sum());
      await hub.proc.stop();
      hub = await startHub(procs, 'scale-smoke-2', config);
      await pollUntil(async () => sources.every((s) => s.synced && s.syncs === 2), (ok) => ok);
      await pollUntil(total, (list) => list.reduce((n, x) => n + x.total_count, 0) === sum());
      expect(sources.reduce((n, s) => n + s.busyCloses, 0)).toBe(0);
    } finally {
      for (const s of sources) s.stop();
    }
  });
});

describe('harness helpers', () => {
  it('reads the small scale and overrides from the command line', () => {
    const o = parseOptions(['--scale', 'small', '--only', 'codec,merge', '--targets', '30,10', '--interval', '3s'], {});
    expect(o.scale).toBe('small');
    expect(o.only).toEqual(['codec', 'merge']);
    expect(o.agent.targets).toEqual([10, 30]);
    expect(o.agent.intervalMs).toBe(3_000);
    expect(parseOptions(['--only', 'latency'], {}).only).toEqual(['latency']);
    expect(parseOptions([], {}).only).toContain('latency');
  });

  it('names a bad flag', () => {
    expect(() => parseOptions(['--only', 'nope'], {})).toThrow(/unknown benchmark "nope"/);
    expect(() => parseOptions(['--scale', 'huge'], {})).toThrow(/--scale/);
  });

  it('sums metric samples by label and counts series', () => {
    const text = 'a_total{result="ok"} 3\na_total{result="timeout"} 2\na_total_other 9\nb 1\nperiskop_error_occurrences{k="x"} 1\n';
    expect(metricSum(text, 'a_total')).toBe(5);
    expect(metricSum(text, 'a_total', { result: 'ok' })).toBe(3);
    expect(seriesCount(text, 'periskop_error_occurrences')).toBe(1);
  });

  it('takes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99);
  });
});
