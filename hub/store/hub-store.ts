import { type FileHandle, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CorruptFileError, readChecksummedFile, writeChecksummedFileParts } from '../../common/storage/checksummed-file.js';
import type { HubState } from '../state/hub-state.js';
import { Journal, type JournalRecord } from './journal.js';
import { decodeSnapshot, SNAPSHOT_VERSION } from './snapshot-codec.js';
import { isNoSpace, StorageFullError } from './storage-full.js';
import { toRfc3339 } from '../../common/wire/client-format.js';
import { type EncodeFigures, snapshotFrames } from './snapshot-v2.js';

const MAGIC = 'CNHS';

export interface SnapshotFigures {
  readonly bytes: number;
  readonly millis: number;
  readonly groups: number;
  /** Non-empty series buckets held (series.ts), counted during the snapshot pass. */
  readonly seriesBuckets: number;
}

/**
 * Persistence of a hub in `data_dir` (DESIGN section 5): `snapshot.bin` (checksummed, atomic) plus the
 * journal of user actions. Start-up = load snapshot + replay journal. Owned by the hub; lives as long as
 * the process.
 */
export class HubStore {
  private readonly journal: Journal;
  private snapshotting: Promise<SnapshotFigures> | undefined;
  /** The notifier's part of every snapshot (hub/notify), set by the hub once the notifier exists. */
  notifyState: (() => unknown) | undefined;
  /** The notifier's part of the snapshot loaded by `open` (undefined without a snapshot, or from older hubs). */
  loadedNotify: unknown;

  /** The last write to data_dir failed for want of space (cleared by the next write that works). */
  storageFull = false;

  constructor(
    private readonly dir: string,
    private readonly state: HubState,
    private readonly logger: Logger,
    createFile?: (file: string) => Promise<FileHandle>,
  ) {
    this.journal = new Journal(dir, createFile);
  }

  get snapshotFile(): string {
    return join(this.dir, 'snapshot.bin');
  }

  /**
   * Loads the snapshot and replays the journal into the (empty) state. Returns the hub id: from the
   * snapshot, else from `hub_id` file, else a new one (written). Throws CorruptFileError on damage.
   */
  async open(configuredHubId: string | undefined): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const started = Date.now();
    let journalFrom = 1;
    let hubId = configuredHubId ?? (await this.readHubId());
    const snapshot = await readChecksummedFile(this.snapshotFile, MAGIC, SNAPSHOT_VERSION);
    if (snapshot !== undefined) {
      let loaded: { hubId: string; journalFrom: number; savedAt: number; notify?: unknown };
      try {
        loaded = decodeSnapshot(snapshot.payload, this.state, snapshot.version);
      } catch (err) {
        // The checksum matched, so this is not a torn write: a bug or a foreign file. Never guess.
        throw new CorruptFileError(this.snapshotFile, `format version ${snapshot.version} content cannot be decoded: ${(err as Error).message}`);
      }
      this.state.loaded();
      journalFrom = loaded.journalFrom;
      hubId ??= loaded.hubId;
      this.loadedNotify = loaded.notify;
      this.logger.info({ groups: this.state.stats().groups, bytes: snapshot.payload.length, version: snapshot.version, ms: Date.now() - started, saved_at: toRfc3339(loaded.savedAt) }, 'snapshot loaded');
    }
    const replayed = await this.journal.replay(
      journalFrom,
      (r) => this.apply(r),
      (file, bytes) => this.logger.warn({ file, bytes }, 'journal ended with an incomplete record (a crash during a write that was never acknowledged); its bytes were moved to a .torn file'),
    );
    if (replayed > 0) this.logger.info({ records: replayed }, 'journal replayed');
    await this.journal.openForAppend();
    if (hubId === undefined) {
      hubId = `hub-${randomBytes(4).toString('hex')}`;
    }
    await writeFile(join(this.dir, 'hub_id'), hubId + '\n');
    return hubId;
  }

  private async readHubId(): Promise<string | undefined> {
    try {
      const id = (await readFile(join(this.dir, 'hub_id'), 'utf8')).trim();
      return id === '' ? undefined : id;
    } catch {
      return undefined;
    }
  }

  /**
   * Replays one user action. A record may describe a change the snapshot already holds (it was
   * appended while the snapshot was being written), so a record older than what the group shows is
   * skipped: a resolve older than the group's regression or its current resolve, an unresolve older
   * than its current resolve.
   */
  private apply(r: JournalRecord): void {
    const group = this.state.group(r.service, r.key);
    if (r.op === 'resolve') {
      if (group !== undefined && (group.regressedAt > r.at || (group.resolution !== null && group.resolution.at >= r.at))) return;
      this.state.resolve(r.service, r.key, { at: r.at, total: r.total });
    } else {
      if (group !== undefined && group.resolution !== null && group.resolution.at > r.at) return;
      this.state.unresolve(r.service, r.key);
    }
  }

  /** Journals a user action (fsynced); call after applying it to the state, answer after this resolves. */
  async record(r: JournalRecord): Promise<void> {
    await this.spaceChecked(this.journal.append(r));
  }

  /** Turns a full disk into StorageFullError (507 storage_full) and keeps `storageFull` current. */
  private async spaceChecked<T>(write: Promise<T>): Promise<T> {
    try {
      const result = await write;
      this.storageFull = false;
      return result;
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      if (!this.storageFull) this.logger.error({ data_dir: this.dir, err: (err as Error).message }, 'data_dir is full: user actions are refused (507) and snapshots fail until there is space');
      this.storageFull = true;
      throw new StorageFullError(this.dir);
    }
  }

  /** Writes a snapshot (one at a time; a second call joins the running one). */
  snapshot(hubId: string): Promise<SnapshotFigures> {
    this.snapshotting ??= this.spaceChecked(this.writeSnapshot(hubId)).finally(() => {
      this.snapshotting = undefined;
    });
    return this.snapshotting;
  }

  /**
   * Writes a snapshot that holds everything merged before this call: waits for a running snapshot
   * (which captured an older state frame by frame), then writes a new one. Used on shutdown.
   */
  async finalSnapshot(hubId: string): Promise<SnapshotFigures> {
    await this.snapshotting?.catch(() => undefined);
    return this.snapshot(hubId);
  }

  /**
   * Rotates the journal, then writes the state frame by frame (snapshot-v2.ts): merges keep running
   * between frames, which is safe because they only make held values newer and the journal file
   * started at capture time holds every user action from then on.
   */
  private async writeSnapshot(hubId: string): Promise<SnapshotFigures> {
    const started = Date.now();
    const journalFrom = await this.journal.rotate();
    const encoded: EncodeFigures = { groups: 0, seriesBuckets: 0 };
    const bytes = await writeChecksummedFileParts(this.snapshotFile, MAGIC, SNAPSHOT_VERSION, snapshotFrames(this.state, hubId, journalFrom, Date.now(), encoded, this.notifyState?.()));
    await this.journal.prune(journalFrom);
    const figures = { bytes, millis: Date.now() - started, groups: encoded.groups, seriesBuckets: encoded.seriesBuckets };
    this.logger.debug(figures, 'snapshot written');
    return figures;
  }

  async close(): Promise<void> {
    await this.snapshotting;
    await this.journal.close();
  }
}
