/**
 * A small seeded PRNG (mulberry32), so simulated fleets are deterministic for tests and benchmarks.
 * Example: seeded(1)() is always the same number in [0, 1).
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uuid-shaped string from a PRNG (deterministic, not cryptographic). */
export function pseudoUuid(random: () => number): string {
  const hex = () => Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  const h = hex() + hex() + hex() + hex();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
