/**
 * @module Distribution metrics of melodies against real music: pitch-class, interval and
 * note-length histograms, their overlap and KL divergence.
 */
import type { TimedNote } from "../../shared/music/timeline.ts";

/** Normalised histograms of a set of lines. */
export interface Histograms {
  /** 12 bins, C first. */
  pitchClass: number[];
  /** Successive-note intervals in semitones, -12..12 (wider ones clipped): 25 bins. */
  interval: number[];
  /** Note lengths on a half-octave log scale from a thirty-second note: 14 bins. */
  length: number[];
}

const LENGTH_BINS = 14;

function normalise(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total ? c / total : 0));
}

/** Histograms over all notes of `lines` (intervals within each line only). */
export function histograms(lines: readonly TimedNote[][]): Histograms {
  const pc = new Array(12).fill(0);
  const iv = new Array(25).fill(0);
  const len = new Array(LENGTH_BINS).fill(0);
  for (const notes of lines) {
    for (const [i, n] of notes.entries()) {
      pc[((n.pitch % 12) + 12) % 12]++;
      const bin = Math.floor(2 * Math.log2(n.ticks / 6) + 1e-9);
      len[Math.max(0, Math.min(LENGTH_BINS - 1, bin))]++;
      const prev = notes[i - 1];
      if (prev) iv[Math.max(-12, Math.min(12, n.pitch - prev.pitch)) + 12]++;
    }
  }
  return { pitchClass: normalise(pc), interval: normalise(iv), length: normalise(len) };
}

/** Histogram overlap: the sum of bin-wise minima (1 for identical distributions, 0 for disjoint). */
export function overlap(p: readonly number[], q: readonly number[]): number {
  return p.reduce((s, v, i) => s + Math.min(v, q[i] ?? 0), 0);
}

/** KL(p || q) in nats, both smoothed by `eps` so an empty bin of q stays finite. */
export function kl(p: readonly number[], q: readonly number[], eps = 1e-4): number {
  const ps = normalise(p.map((v) => v + eps));
  const qs = normalise(q.map((v) => v + eps));
  return ps.reduce((s, v, i) => s + v * Math.log(v / qs[i]!), 0);
}
