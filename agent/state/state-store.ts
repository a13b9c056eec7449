import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { checkedParser, SchemaMismatch } from '../../common/schema/checked-parse.js';
import { MsSchema } from '../../common/schema/scalars.js';
import { CorruptFileError, readChecksummedFile, writeChecksummedFile } from '../../common/storage/checksummed-file.js';
import { AggregatorStateSchema } from '../aggregate/aggregator-state.js';

const MAGIC = 'CNAS';
const VERSION = 1;
const packr = new Packr({ useRecords: true });

/** What an agent keeps in state_dir to resume its epoch exactly after a restart: the only definition of `agent.state`. */
export const AgentStateSchema = z.object({
  name: z.string(),
  epoch: z.string(),
  savedAt: MsSchema,
  aggregator: AggregatorStateSchema,
});
export type AgentState = z.infer<typeof AgentStateSchema>;
const parseState = checkedParser(AgentStateSchema);

/**
 * The agent's state file (`state_dir/agent.state`): checksummed, written atomically every
 * `state_interval` and on shutdown. Owned by the agent; lives as long as state_dir.
 */
export class StateStore {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'agent.state');
  }

  /** Undefined when there is no state yet; throws CorruptFileError on a damaged file or one that is not an agent's state. */
  async load(): Promise<AgentState | undefined> {
    const read = await readChecksummedFile(this.file, MAGIC, VERSION);
    if (read === undefined) return undefined;
    let value: unknown;
    try {
      value = packr.unpack(read.payload);
    } catch (err) {
      throw new CorruptFileError(this.file, `its content cannot be decoded (${(err as Error).message})`);
    }
    try {
      return parseState(value);
    } catch (err) {
      if (err instanceof SchemaMismatch) throw new CorruptFileError(this.file, `it is not an agent's state: ${err.message}`);
      throw err;
    }
  }

  async save(state: AgentState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeChecksummedFile(this.file, MAGIC, VERSION, packr.pack(state));
  }
}
