import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { readChecksummedFile, writeChecksummedFile } from '../../common/storage/checksummed-file.js';
import type { AggregatorState } from '../aggregate/aggregator.js';

const MAGIC = 'CNAS';
const VERSION = 1;
const packr = new Packr({ useRecords: true });

/** What an agent keeps in state_dir to resume its epoch exactly after a restart. */
export interface AgentState {
  readonly name: string;
  readonly epoch: string;
  readonly savedAt: number;
  readonly aggregator: AggregatorState;
}

/**
 * The agent's state file (`state_dir/agent.state`): checksummed, written atomically every
 * `state_interval` and on shutdown. Owned by the agent; lives as long as state_dir.
 */
export class StateStore {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'agent.state');
  }

  /** Undefined when there is no state yet; throws CorruptFileError on a damaged file. */
  async load(): Promise<AgentState | undefined> {
    const read = await readChecksummedFile(this.file, MAGIC, VERSION);
    if (read === undefined) return undefined;
    return packr.unpack(read.payload) as AgentState;
  }

  async save(state: AgentState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeChecksummedFile(this.file, MAGIC, VERSION, packr.pack(state));
  }
}
