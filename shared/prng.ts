/**
 * @module Seeded pseudo-random numbers: one independent stream per (seed, sample index, purpose).
 * Plain 32-bit integer arithmetic, so every runtime (Deno, browsers) draws the same numbers: the
 * OMR data pipeline and seeded melody generation depend on it.
 */

/**
 * 32-bit FNV-1a hash of a string; stable across platforms, used for seeds and piece splits.
 *
 * @example
 * ```ts
 * import { hash32 } from "./prng.ts";
 * console.assert(hash32("stave") === 2218115848);
 * ```
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A small deterministic generator (sfc32) with the helpers the pipeline needs.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const a = new Rng("key");
 * const b = new Rng("key");
 * console.assert(a.next() === b.next() && a.int(1, 6) === b.int(1, 6));
 * ```
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Seeds from any string key, e.g. `rngFor(seed, i, "engrave")`. */
  constructor(key: string) {
    this.#a = hash32(key);
    this.#b = hash32(key + "#b");
    this.#c = hash32(key + "#c");
    this.#d = 1;
    // Warm up so similar keys diverge.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (both ends included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly; throws a `RangeError` on an empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One key of a weight table, proportionally to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries.at(-1)![0];
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/**
 * The generator for one purpose of one sample: output never depends on worker count or order.
 *
 * @example
 * ```ts
 * import { rngFor } from "./prng.ts";
 * console.assert(rngFor(42, 3, "engrave").next() === rngFor(42, 3, "engrave").next());
 * ```
 */
export function rngFor(seed: number, index: number, purpose: string): Rng {
  return new Rng(`${seed}/${index}/${purpose}`);
}
