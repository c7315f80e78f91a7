/**
 * @module Staff positions (PrIMuS `L`/`S` notation) of pitches, clefs and key signature accidentals.
 */
import { type Clef, diatonicIndex, type Pitch } from "./semantic_tokens.ts";

/** Reference pitch of each clef shape: the pitch on the clef's line. */
const CLEF_PITCH: Record<Clef["shape"], Pitch> = {
  G: { step: "G", alter: 0, octave: 4 },
  F: { step: "F", alter: 0, octave: 3 },
  C: { step: "C", alter: 0, octave: 4 },
};

/**
 * Staff position of a pitch under a clef, in steps above the bottom line (0 = bottom line, 1 = first space).
 *
 * @example
 * ```ts
 * import { staffStep } from "./staff_position.ts";
 * console.assert(staffStep({ shape: "G", line: 2 }, { step: "E", alter: 0, octave: 4 }) === 0);
 * ```
 */
export function staffStep(clef: Clef, pitch: Pitch): number {
  return diatonicIndex(pitch) - diatonicIndex(CLEF_PITCH[clef.shape]) + 2 * (clef.line - 1);
}

/** PrIMuS position name of a staff step: even steps are lines (`L1` = bottom), odd are spaces (`S0` below). */
export function positionName(step: number): string {
  return step % 2 === 0 ? `L${step / 2 + 1}` : `S${(step + 1) / 2}`;
}

/** Step of a clef's own line, e.g. 2 for `clef-G2`. */
export function clefStep(clef: Clef): number {
  return 2 * (clef.line - 1);
}

/**
 * Staff steps of key signature accidentals in drawing order, as Verovio 6.3 engraves them
 * (measured from its SVG; `tests/shared/music/staff_position_test.ts` re-measures them).
 */
const KEY_STEPS: Record<string, { sharps: number[]; flats: number[] }> = {
  G1: { sharps: [6, 3, 7, 4, 1, 5, 2], flats: [2, 5, 1, 4, 0, 3, -1] },
  G2: { sharps: [8, 5, 9, 6, 3, 7, 4], flats: [4, 7, 3, 6, 2, 5, 1] },
  F3: { sharps: [4, 1, 5, 2, 6, 3, 7], flats: [7, 3, 6, 2, 5, 1, 4] },
  F4: { sharps: [6, 3, 7, 4, 1, 5, 2], flats: [2, 5, 1, 4, 0, 3, -1] },
  F5: { sharps: [8, 5, 9, 6, 3, 7, 4], flats: [4, 7, 3, 6, 9, 5, 8] },
  C1: { sharps: [3, 0, 4, 1, 5, 2, 6], flats: [6, 2, 5, 1, 4, 0, 3] },
  C2: { sharps: [5, 2, 6, 3, 7, 4, 8], flats: [1, 4, 0, 3, 6, 2, 5] },
  C3: { sharps: [7, 4, 8, 5, 2, 6, 3], flats: [3, 6, 2, 5, 1, 4, 0] },
  C4: { sharps: [2, 6, 3, 7, 4, 8, 5], flats: [5, 8, 4, 7, 3, 6, 2] },
  C5: { sharps: [4, 1, 5, 2, 6, 3, 7], flats: [7, 3, 6, 2, 5, 1, 4] },
};

/** Staff steps of the accidentals of a key signature under a clef, in drawing order. */
export function keySignatureSteps(clef: Clef, fifths: number): number[] {
  const table = KEY_STEPS[`${clef.shape}${clef.line}`];
  if (!table) throw new RangeError(`Unsupported clef "${clef.shape}${clef.line}"`);
  return fifths >= 0 ? table.sharps.slice(0, fifths) : table.flats.slice(0, -fifths);
}
