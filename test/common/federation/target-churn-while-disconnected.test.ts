import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubConfigSchema } from '../../../common/config/schema.js';
import type { LinkConnection, LinkSource } from '../../../common/federation/link-source.js';
import { PROTOCOL_VERSION, type WireTarget } from '../../../common/federation/messages.js';
import { LINK_DEFAULTS, SourceLink } from '../../../common/federation/source-link.js';
import { silentLogger } from '../../../common/log.js';
import { Hub } from '../../../hub/hub.js';
import { pollUntil } from '../../helpers/poll.js';

const target = (i: number): WireTarget => ({
  service: 'svc', url: `http://10.0.${i >> 8}.${i & 255}:8080/errors`, agent: 'churner', up: true, last_error: '', last_scrape: 1, duration_ms: 1, bytes: 1,
});

/** A source with no groups whose targets are whatever the test says (a small real LinkSource). */
class TargetsOnly implements LinkSource<object> {
  live = new Map<string, WireTarget>();
  allGroups(): Iterable<object> {
    return [];
  }
  allTargets(): WireTarget[] {
    return [...this.live.values()];
  }
  currentSampleMark(): number {
    return 0;
  }
  openConnection(): LinkConnection<object> {
    return {
      toWire: () => {
        throw new Error('no groups');
      },
      pendingLineageDefs: () => undefined,
      commitLineageDefs: () => undefined,
      rollbackLineageDefs: () => undefined,
    };
  }
}

describe('target churn while the hub is away', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps the pending target changes bounded and leaves the hub with exactly the live targets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crowsnest-churn-'));
    dirs.push(dir);
    // A port nobody listens on yet: the link keeps retrying while targets churn.
    const probe = await Hub.start({ config: HubConfigSchema.parse({ listen: '127.0.0.1:0', data_dir: join(dir, 'probe'), agent_tokens: ['t'] }), logger: silentLogger(), uiDir: dir });
    const port = probe.address().port;
    await probe.stop();
    const source = new TargetsOnly();
    const link = new SourceLink(source, {
      ...LINK_DEFAULTS,
      backoffCapMs: 200,
      url: `ws://127.0.0.1:${port}/federate`,
      token: 't',
      hello: { protocol: PROTOCOL_VERSION, name: 'churner', epoch: 'e', kind: 'agent', labels: {}, version: 'test', path: [] },
      frameBytes: 16 * 1024 * 1024,
      flushIntervalMs: 50,
      logger: silentLogger(),
    });
    link.start();
    for (let i = 0; i < 30_000; i++) {
      const t = target(i);
      source.live.set(t.url, t);
      link.markTarget(t);
      if (i >= 100) {
        const gone = target(i - 100);
        source.live.delete(gone.url);
        link.removeTarget(gone.agent, gone.service, gone.url);
      }
    }
    expect(link.status().pendingTargets).toBeLessThanOrEqual(10_001 + 100);
    const hub = await Hub.start({ config: HubConfigSchema.parse({ listen: `127.0.0.1:${port}`, data_dir: join(dir, 'hub'), agent_tokens: ['t'] }), logger: silentLogger(), uiDir: dir });
    try {
      const held = await pollUntil(async () => hub.state.targets().map((t) => t.url).sort(), (urls) => urls.length === 100);
      expect(held).toEqual([...source.live.keys()].sort());
    } finally {
      link.close();
      await hub.stop();
    }
  });
});
