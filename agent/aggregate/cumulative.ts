/**
 * The increase of a cumulative counter between two observations of one origin, with Prometheus
 * counter-reset semantics: a smaller value means the origin restarted and counted again from zero.
 *
 * Examples: last 5, next 8: delta 3. Last 5, next 3: reset, delta 3. Last undefined (first
 * observation), next 7: delta 7. Last 4, next 4: delta 0.
 */
export function diffCumulative(last: number | undefined, next: number): number {
  if (last === undefined) return next;
  return next >= last ? next - last : next;
}
