/**
 * How the agent counts what its targets had accumulated before it first saw them (DESIGN section 4).
 *
 * - `exact`: the agent resumed its epoch from state_dir; every origin's last values are known.
 * - `first-start`: nobody counted these targets before: a first observation counts fully.
 * - `restart`: a stateless restart (a new epoch while the hub knew an older one): the old lineage
 *   already counted what targets had, so a first observation within the start-up window is a
 *   baseline (only growth after it counts). Keys created after the agent started count fully.
 * - `pending`: not known yet (no hub has answered). First observations are held back as baselines
 *   and settled when the hub's welcome decides between `first-start` and `restart`.
 */
export type StartMode = 'exact' | 'first-start' | 'restart' | 'pending';

/**
 * The start mode of a process: resuming its own saved state is `exact` (or still `pending` when it
 * was saved before any hub answered); a new epoch is a `first-start` without hubs (nobody to ask),
 * else `pending` until the first welcome tells.
 */
export function startModeFor(saved: { readonly startMode?: StartMode | undefined } | undefined, hubs: number): StartMode {
  if (saved !== undefined) return saved.startMode === 'pending' && hubs > 0 ? 'pending' : 'exact';
  return hubs === 0 ? 'first-start' : 'pending';
}
