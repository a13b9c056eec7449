import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSavedNotify, type SavedNotify } from '../../../hub/notify/alert.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { HubStore } from '../../../hub/store/hub-store.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-notify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const saved: SavedNotify = {
  epoch: 1_700_000_000_000,
  alerts: [{
    id: 'new:web/E%401', type: 'new', service: 'web', key: 'E@1', severity: 'error', className: 'E', message: 'm', total: 3,
    createdAt: 1_700_000_000_100, lastSeen: 1_700_000_000_200, regressedAt: 0, firedAt: 1_700_000_000_300,
    deliveries: [{ channel: 'hook', status: 'pending', attempts: 2, lastError: 'HTTP 503', deliveredAt: 0, endedAt: 0 }],
  }],
};

describe('the notifier in the snapshot', () => {
  it('comes back from the snapshot as it was saved', async () => {
    const store = new HubStore(dir, new HubState({ samplesPerGroup: 5 }), logger);
    await store.open('hub-t');
    store.notifyState = () => saved;
    await store.snapshot('hub-t');
    await store.close();
    const again = new HubStore(dir, new HubState({ samplesPerGroup: 5 }), logger);
    await again.open(undefined);
    expect(readSavedNotify(again.loadedNotify)).toEqual(saved);
    await again.close();
  });

  it('is absent from a snapshot written without a notifier, and from an empty data_dir', async () => {
    const store = new HubStore(dir, new HubState({ samplesPerGroup: 5 }), logger);
    await store.open('hub-t');
    expect(store.loadedNotify).toBeUndefined();
    await store.snapshot('hub-t');
    await store.close();
    const again = new HubStore(dir, new HubState({ samplesPerGroup: 5 }), logger);
    await again.open(undefined);
    expect(again.loadedNotify).toBeUndefined();
    await again.close();
  });

  it('refuses a saved value of the wrong shape rather than trusting it', () => {
    expect(readSavedNotify({ epoch: 'x', alerts: [] })).toBeUndefined();
    expect(readSavedNotify(undefined)).toBeUndefined();
  });
});
