/**
 * @module Piano rolls: the classifier's view of music, two channels (onsets, sounding notes) over
 * a pitch range and a time grid, laid out as the classify model's manifest says.
 */
import type { TimedNote } from "./timeline.ts";

/** The grid of a piano roll, read from the classify model's manifest (`preprocess`). */
export interface PianoRollSpec {
  /** Lowest MIDI pitch (row 0); pitches outside the range are folded in by octaves. */
  lowPitch: number;
  /** Number of pitch rows. */
  pitches: number;
  /** Ticks per time step. */
  stepTicks: number;
  /** Time steps per window. */
  steps: number;
  /** Time steps between the starts of successive windows of a long piece. */
  hop: number;
}

/**
 * Rasterises notes into windows `[windows, 2, pitches, steps]` (channel 0: onsets, 1: sounding),
 * flattened in that order. A piece shorter than a window gives one zero-padded window; a longer one
 * gives a window every `hop` steps, the last ending at the piece's end.
 *
 * @example
 * ```ts
 * import { pianoRollWindows } from "./piano_roll.ts";
 * const spec = { lowPitch: 36, pitches: 60, stepTicks: 12, steps: 64, hop: 32 };
 * const { windows, data } = pianoRollWindows([{ pitch: 60, start: 0, ticks: 48 }], spec);
 * console.assert(windows === 1 && data[24 * 64] === 1 && data[60 * 64 + 24 * 64 + 3] === 1);
 * ```
 */
export function pianoRollWindows(
  notes: readonly TimedNote[],
  spec: PianoRollSpec,
): { windows: number; data: Float32Array } {
  const { pitches, steps, stepTicks, hop } = spec;
  const end = notes.reduce((e, n) => Math.max(e, n.start + n.ticks), 0);
  const total = Math.max(1, Math.ceil(end / stepTicks));
  const starts: number[] = [];
  for (let s = 0; s + steps < total; s += hop) starts.push(s);
  starts.push(Math.max(0, total - steps));
  const plane = pitches * steps;
  const data = new Float32Array(starts.length * 2 * plane);
  for (const [w, first] of starts.entries()) {
    const base = w * 2 * plane;
    for (const n of notes) {
      const row = foldPitch(n.pitch, spec);
      const on = Math.floor(n.start / stepTicks) - first;
      const off = Math.max(on + 1, Math.floor((n.start + n.ticks) / stepTicks) - first);
      if (off <= 0 || on >= steps) continue;
      if (on >= 0) data[base + row * steps + on] = 1;
      for (let t = Math.max(0, on); t < Math.min(steps, off); t++) {
        data[base + plane + row * steps + t] = 1;
      }
    }
  }
  return { windows: starts.length, data };
}

/** Row of a pitch, moved by octaves into the roll's range. */
function foldPitch(pitch: number, spec: PianoRollSpec): number {
  let p = pitch;
  while (p < spec.lowPitch) p += 12;
  while (p >= spec.lowPitch + spec.pitches) p -= 12;
  return p - spec.lowPitch;
}
