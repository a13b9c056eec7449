import { join } from 'node:path';
import type { BenchContext } from '../harness/context.js';
import { rssBytes } from '../harness/proc-stat.js';
import { type BenchResult, check } from '../harness/report.js';
import { median, MiB, round } from '../harness/stats.js';
import { startHubOn, writeSnapshot } from './hub-fixture.js';

const STARTS = 3;

/**
 * Hub start-up from a large snapshot (DESIGN section 9: 1,000,000 groups in under 10 s): the snapshot
 * is written with the hub's own store, then a real hub is started on it `STARTS` times and timed from
 * spawn to the first 200 of /-/ready. Each start is killed (SIGKILL) so it leaves the snapshot as it was.
 */
export async function startupBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.startup;
  const per = Math.ceil(o.groups / o.services);
  const services: [string, number][] = Array.from({ length: o.services }, (_, i) => [`svc-${i + 1}`, Math.min(per, o.groups - i * per)] as [string, number]).filter(([, n]) => n > 0);
  const dataDir = join(ctx.dir, 'startup-hub');
  ctx.log(`startup: writing a snapshot of ${o.groups.toLocaleString('en-US')} groups`);
  const written = await writeSnapshot({ dataDir, hubId: 'bench-startup', spec: { services, lineages: 20, samplesPerGroup: 5, withSamples: 0.1, withSeries: 0.1, now: Date.now() } }, 8 * 60_000);
  const starts: { readyMs: number; loadMs: number; rss: number }[] = [];
  for (let i = 0; i < STARTS; i++) {
    ctx.log(`startup: start ${i + 1} of ${STARTS}`);
    const hub = await startHubOn(ctx, `startup-hub-${i + 1}`, dataDir, 120_000);
    const loaded = await hub.proc.waitForLog((l) => l.msg === 'snapshot loaded', 1_000);
    starts.push({ readyMs: hub.readyMs, loadMs: Number(loaded['ms']), rss: rssBytes(hub.proc.pid) });
    // The last start stops gracefully when profiling (the profile is written on exit).
    if (ctx.profileDir !== undefined && i === STARTS - 1) await hub.proc.stop(120_000);
    else {
      hub.proc.child.kill('SIGKILL');
      await hub.proc.exited;
    }
  }
  const ready = median(starts.map((s) => s.readyMs));
  return {
    name: 'startup',
    figures: { snapshot: written, starts },
    checks: [check(`hub start-up from a ${round(o.groups / 1e6, 3)}M-group snapshot (median of ${STARTS}, s)`, ready / 1000, '<', 10, ' s')],
    tables: [{
      title: `Hub start-up from a snapshot of ${o.groups.toLocaleString('en-US')} groups (${written.samples.toLocaleString('en-US')} samples; written in ${round(written.writeMs / 1000)} s)`,
      header: ['snapshot MiB', 'bytes/group', 'spawn to /-/ready s (median)', 'snapshot load s (median)', 'starts (ready s)', 'RSS after start MiB'],
      rows: [[round(written.snapshotBytes / MiB), round(written.snapshotBytes / written.groups), round(ready / 1000), round(median(starts.map((s) => s.loadMs)) / 1000),
        starts.map((s) => round(s.readyMs / 1000)).join(', '), round(median(starts.map((s) => s.rss)) / MiB)]],
    }],
  };
}
