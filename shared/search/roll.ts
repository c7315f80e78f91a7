/**
 * @module The search model's input: every modality drawn as the same pitch-by-time roll. Notes
 * (typed, parsed from a score, or recognized from a sheet) fill the semitones they sound; audio
 * fills them with its log-frequency spectrum. Time is the excerpt's own span cut into a fixed
 * number of frames, so tempo and the excerpt's length drop out.
 */
import { hann, magnitudeSpectrum } from "../audio/fft.ts";
import type { Audio } from "../audio/wav.ts";
import type { TimedNote } from "../music/timeline.ts";

/** The grid of a roll: semitones from `lowPitch` (MIDI), and frames over the excerpt's span. */
export interface RollSpec {
  /** MIDI pitch of the first row. */
  readonly lowPitch: number;
  /** Rows, one a semitone. */
  readonly pitches: number;
  /** Columns spanning the excerpt. */
  readonly frames: number;
}

/** A roll: `frames` x `pitches` values in [0, 1], frame-major. */
export type Roll = Float32Array;

/** Folds `pitch` by octaves into the spec's rows. */
function row(pitch: number, spec: RollSpec): number {
  let p = pitch - spec.lowPitch;
  while (p < 0) p += 12;
  while (p >= spec.pitches) p -= 12;
  return p;
}

/**
 * The roll of notes: each cell holds the share of its frame the pitch sounds (pitches outside the
 * rows move by octaves into them). Time runs from the first onset to the last release.
 *
 * @example
 * ```ts
 * import { notesRoll } from "./roll.ts";
 * const roll = notesRoll([{ pitch: 60, start: 0, ticks: 48 }, { pitch: 62, start: 48, ticks: 48 }], { lowPitch: 60, pitches: 3, frames: 2 });
 * console.assert(roll.join() === "1,0,0,0,0,1");
 * ```
 * @throws {RangeError} when there are no notes.
 */
export function notesRoll(notes: readonly TimedNote[], spec: RollSpec): Roll {
  const sounding = notes.filter((n) => n.ticks > 0);
  if (sounding.length === 0) throw new RangeError("Cannot draw a roll: no sounding notes");
  const begin = Math.min(...sounding.map((n) => n.start));
  const end = Math.max(...sounding.map((n) => n.start + n.ticks));
  const frame = (end - begin) / spec.frames;
  const roll = new Float32Array(spec.frames * spec.pitches);
  for (const note of sounding) {
    const p = row(note.pitch, spec);
    const a = (note.start - begin) / frame;
    const b = (note.start + note.ticks - begin) / frame;
    for (let t = Math.floor(a); t < Math.min(spec.frames, Math.ceil(b)); t++) {
      const cover = Math.min(b, t + 1) - Math.max(a, t);
      const cell = t * spec.pitches + p;
      roll[cell] = Math.min(1, roll[cell]! + cover);
    }
  }
  return roll;
}

/** Analysis window of about 0.1 s, a power of two at any rate. */
function windowLength(rate: number): number {
  return 2 ** Math.max(8, Math.round(Math.log2(rate * 0.1)));
}

/** Frames whose energy is under this share of the loudest are silence (lead-in, tail). */
const SILENCE = 0.02;
/** Dynamic range kept: magnitudes are drawn as log(1 + GAIN x / max) / log(1 + GAIN). */
const GAIN = 100;

/** For each spectrum bin, its semitone row (-1 outside the rows), and for each row the bin it
 * reads when no bin falls in it (rows narrower than a bin, at the low end). */
function semitoneMap(rate: number, n: number, spec: RollSpec) {
  const binHz = rate / n;
  const rowOf = new Int32Array(n / 2 + 1).fill(-1);
  const hit = new Uint8Array(spec.pitches);
  for (let k = 1; k <= n / 2; k++) {
    const p = Math.round(69 + 12 * Math.log2((k * binHz) / 440)) - spec.lowPitch;
    if (p < 0 || p >= spec.pitches) continue;
    rowOf[k] = p;
    hit[p] = 1;
  }
  const fallback = new Int32Array(spec.pitches).fill(-1);
  for (let p = 0; p < spec.pitches; p++) {
    if (hit[p]) continue;
    const hz = 440 * 2 ** ((p + spec.lowPitch - 69) / 12);
    fallback[p] = Math.min(n / 2, Math.round(hz / binHz));
  }
  return { rowOf, fallback };
}

/** Sums the spectrum into semitone rows as `map` says. */
function semitoneRows(mags: Float64Array, map: ReturnType<typeof semitoneMap>, rows: number) {
  const out = new Float64Array(rows);
  for (let k = 1; k < mags.length; k++) {
    const p = map.rowOf[k]!;
    if (p >= 0) out[p]! += mags[k]!;
  }
  for (let p = 0; p < rows; p++) if (map.fallback[p]! >= 0) out[p] = mags[map.fallback[p]!]!;
  return out;
}

/**
 * The roll of a recording: a Hann-windowed spectrum about every 25 ms folded into semitone rows,
 * trimmed to the frames with sound, averaged into the spec's frames and log-compressed against
 * the loudest cell.
 *
 * @throws {RangeError} when the audio is silent or shorter than one analysis window.
 */
export function audioRoll(audio: Audio, spec: RollSpec): Roll {
  const n = windowLength(audio.rate);
  const hop = n / 4;
  if (audio.samples.length < n) {
    throw new RangeError(`Cannot draw a roll: audio shorter than ${(n / audio.rate).toFixed(2)} s`);
  }
  const window = hann(n);
  const map = semitoneMap(audio.rate, n, spec);
  const columns: Float64Array[] = [];
  const energy: number[] = [];
  for (let start = 0; start + n <= audio.samples.length; start += hop) {
    const rows = semitoneRows(magnitudeSpectrum(audio.samples, start, window), map, spec.pitches);
    columns.push(rows);
    energy.push(rows.reduce((a, b) => a + b, 0));
  }
  const loudest = Math.max(...energy);
  if (!(loudest > 1e-6)) throw new RangeError("Cannot draw a roll: the audio is silent");
  const first = energy.findIndex((e) => e >= SILENCE * loudest);
  const last = energy.findLastIndex((e) => e >= SILENCE * loudest);
  const span = last - first + 1;
  const roll = new Float32Array(spec.frames * spec.pitches);
  let max = 0;
  for (let t = 0; t < spec.frames; t++) {
    const a = first + Math.floor((t * span) / spec.frames);
    const b = Math.max(a + 1, first + Math.floor(((t + 1) * span) / spec.frames));
    for (let p = 0; p < spec.pitches; p++) {
      let sum = 0;
      for (let c = a; c < b; c++) sum += columns[c]![p]!;
      const v = sum / (b - a);
      roll[t * spec.pitches + p] = v;
      if (v > max) max = v;
    }
  }
  const scale = Math.log1p(GAIN);
  for (let i = 0; i < roll.length; i++) roll[i] = Math.log1p((GAIN * roll[i]!) / max) / scale;
  return roll;
}
