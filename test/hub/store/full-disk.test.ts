import { type FileHandle, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SelfErrors } from '../../../common/self-errors.js';
import { createHubApp } from '../../../hub/api/app.js';
import { LiveStream } from '../../../hub/api/v1/events/live-stream.js';
import { statusOf } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { HubStore } from '../../../hub/store/hub-store.js';
import { StorageFullError } from '../../../hub/store/storage-full.js';
import { UserActions } from '../../../hub/store/user-actions.js';
import { wireGroup } from '../../helpers/builders.js';
import { diskThatFills } from '../../helpers/full-disk.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-full-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function hubOn(create?: (file: string) => Promise<FileHandle>) {
  const state = new HubState({ samplesPerGroup: 5 });
  const store = new HubStore(dir, state, logger, create);
  await store.open('hub-t');
  const source = state.source('a', 'agent', 'e1');
  const own = state.lineages.intern('a', 'e1', {}, []).id;
  state.mergeMessage(source, { t: 'delta', seq: 1, services: [{ name: 's', groups: [wireGroup('A', [[0, 3]]), wireGroup('B', [[0, 4]])] }], targets: [] }, (r) => (r === 0 ? own : undefined));
  return { state, store, actions: new UserActions(state, store) };
}

describe('a full data_dir', () => {
  it('refuses a resolve with StorageFullError naming data_dir, changes nothing, and works again once space is back', async () => {
    const { disk, create } = diskThatFills();
    const hub = await hubOn(create);
    disk.full = true;
    const refused = await hub.actions.resolve('s', 'A').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StorageFullError);
    expect(refused).toMatchObject({ status: 507, code: 'storage_full' });
    expect((refused as Error).message).toContain(dir);
    expect(statusOf(hub.state.group('s', 'A')!)).toBe('unresolved');
    expect(hub.store.storageFull).toBe(true);

    disk.full = false;
    await hub.actions.resolve('s', 'B');
    expect(hub.store.storageFull).toBe(false);
    await hub.store.close();

    // The torn bytes of the refused write were cut off: the journal replays cleanly, with B only.
    const again = await hubOn();
    expect(statusOf(again.state.group('s', 'A')!)).toBe('unresolved');
    expect(statusOf(again.state.group('s', 'B')!)).toBe('resolved');
    await again.store.close();
  });

  it('answers the resolve with 507 and {"error":{"code":"storage_full"}} through the API', async () => {
    const { disk, create } = diskThatFills();
    const hub = await hubOn(create);
    const live = new LiveStream(hub.state, logger);
    const app = createHubApp({
      state: hub.state, actions: hub.actions, adminToken: undefined, selfErrors: new SelfErrors(), logger,
      metrics: () => Promise.resolve(''), ready: () => true, uiDir: dir, hubId: 'hub-t', live, alerts: { alerts: () => [] },
    });
    const server: Server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      disk.full = true;
      for (const [url, method] of [[`/api/v1/services/s/errors/A/resolve`, 'POST'], [`/services/s/errors/A/`, 'DELETE']] as const) {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, { method });
        expect(res.status, url).toBe(507);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('storage_full');
        expect(body.error.message).toContain('data_dir');
      }
      disk.full = false;
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/services/s/errors/A/resolve`, { method: 'POST' })).status).toBe(200);
    } finally {
      live.close();
      await new Promise((resolve) => server.close(resolve));
      await hub.store.close();
    }
  });
});
