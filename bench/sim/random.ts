/**
 * Seeded randomness for the simulator: mulberry32, a 32-bit generator small enough to read, so a
 * workload or a metrics lag drawn with seed N is the same on every machine and every run.
 */
export type Random = () => number;

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float drawn uniformly from [min, max). */
export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** An integer drawn uniformly from [min, max], both included. */
export function integer(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A generator for one named use of a seed, so adding a use does not shift the others' draws. */
export function stream(seed: number, name: string): Random {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return mulberry32((seed ^ hash) >>> 0);
}
