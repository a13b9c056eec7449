import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readChecksummedFile, writeChecksummedFile } from '../../common/storage/checksummed-file.js';
import type { HubState } from '../state/hub-state.js';
import { Journal, type JournalRecord } from './journal.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

const MAGIC = 'CNHS';
const VERSION = 1;

export interface SnapshotFigures {
  readonly bytes: number;
  readonly millis: number;
}

/**
 * Persistence of a hub in `data_dir` (DESIGN section 5): `snapshot.bin` (checksummed, atomic) plus the
 * journal of user actions. Start-up = load snapshot + replay journal. Owned by the hub; lives as long as
 * the process.
 */
export class HubStore {
  private readonly journal: Journal;
  private snapshotting: Promise<SnapshotFigures> | undefined;

  constructor(
    private readonly dir: string,
    private readonly state: HubState,
    private readonly logger: Logger,
  ) {
    this.journal = new Journal(dir);
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
    const snapshot = await readChecksummedFile(this.snapshotFile, MAGIC, VERSION);
    if (snapshot !== undefined) {
      const loaded = decodeSnapshot(snapshot.payload, this.state);
      journalFrom = loaded.journalFrom;
      hubId ??= loaded.hubId;
      this.logger.info({ groups: this.state.stats().groups, bytes: snapshot.payload.length, ms: Date.now() - started, saved_at: new Date(loaded.savedAt).toISOString() }, 'snapshot loaded');
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

  private apply(r: JournalRecord): void {
    if (r.op === 'resolve') this.state.resolve(r.service, r.key, { at: r.at, total: r.total });
    else this.state.unresolve(r.service, r.key);
  }

  /** Journals a user action (fsynced); call after applying it to the state, answer after this resolves. */
  async record(r: JournalRecord): Promise<void> {
    await this.journal.append(r);
  }

  /** Writes a snapshot (one at a time; a second call joins the running one). */
  snapshot(hubId: string): Promise<SnapshotFigures> {
    this.snapshotting ??= this.writeSnapshot(hubId).finally(() => {
      this.snapshotting = undefined;
    });
    return this.snapshotting;
  }

  private async writeSnapshot(hubId: string): Promise<SnapshotFigures> {
    const started = Date.now();
    const journalFrom = await this.journal.rotate();
    const payload = encodeSnapshot(this.state, hubId, journalFrom, Date.now());
    await writeChecksummedFile(this.snapshotFile, MAGIC, VERSION, payload);
    await this.journal.prune(journalFrom);
    const figures = { bytes: payload.length, millis: Date.now() - started };
    this.logger.debug(figures, 'snapshot written');
    return figures;
  }

  async close(): Promise<void> {
    await this.snapshotting;
    await this.journal.close();
  }
}
