/**
 * @module Cuts a 2-8 measure excerpt from one voice, transposes it to a drawn key and fits it to a drawn clef.
 */
import type { MeiEvent, MeiVoice } from "../../shared/music/mei_reader.ts";
import { DURATION_OF } from "../../shared/music/mei_to_semantic.ts";
import {
  type Clef,
  diatonicIndex,
  formatPitch,
  type Pitch,
  type SemanticToken,
  semitone,
  STEPS,
} from "../../shared/music/semantic_tokens.ts";
import { staffStep } from "../../shared/music/staff_position.ts";
import type { Rng } from "../../shared/prng.ts";

/** An excerpt ready to engrave: its tokens plus the timing the beaming rules need. */
export interface Excerpt {
  tokens: SemanticToken[];
  /** Onset of each note/rest token inside its measure, in whole notes. */
  onsets: Map<number, number>;
  /** Runs of token indices that were tuplets in the source (drawn with a number, not labelled). */
  tuplets: number[][];
  meter: string;
  startMeasure: number;
  measures: number;
  transpose: number;
}

/** Clef weights: PrIMuS-like (G2 and C clefs common), F4 for bass lines, rare clefs kept present. */
export const CLEF_WEIGHTS = {
  G2: 40,
  F4: 18,
  C1: 10,
  C3: 10,
  C4: 10,
  C2: 5,
  G1: 2,
  F3: 2,
  C5: 2,
  F5: 1,
} as const;

/** Staff steps a note may take: three ledger lines below and above (PrIMuS has L-3 to S8). */
const LOW = -6;
const HIGH = 14;

const NATURAL = [0, 2, 4, 5, 7, 9, 11];

function durValue(dur: string, dots: number): number {
  const base = dur === "breve" ? 2 : dur === "long" ? 4 : 1 / Number(dur);
  return base * (2 - 1 / 2 ** dots);
}

function meterLength(meter: string): number {
  if (meter === "C" || meter === "C/") return 1;
  const [c, u] = meter.split("/").map(Number);
  return c! / u!;
}

/** Why an excerpt could not be cut (counted in the manifest). */
export class ExcerptRejected extends Error {
  /** Short reason, used as a manifest key. */
  reason: string;
  constructor(reason: string) {
    super(`Excerpt rejected: ${reason}`);
    this.reason = reason;
  }
}

/** Clef, key and meter in force at the start of every measure, and whether they change inside it. */
function measureStates(voice: MeiVoice) {
  let clef: Clef = { shape: "G", line: 2 };
  let fifths = 0;
  let meter = "4/4";
  return voice.measures.map((m, i) => {
    const before = { clef, fifths, meter };
    let changes = false;
    for (const e of m.events) {
      if (e.kind === "clef") clef = e.clef;
      else if (e.kind === "key") {
        if (i > 0 && e.fifths !== fifths) changes = true;
        fifths = e.fifths;
      } else if (e.kind === "meter") {
        if (i > 0 && e.meter !== meter) changes = true;
        meter = e.meter;
      }
    }
    return { ...before, fifths, meter, changes };
  });
}

/** Usable measures: present, with music, no spaces (an incomplete layer), durations PrIMuS can name. */
function usable(events: MeiEvent[]): boolean {
  let music = false;
  for (const e of events) {
    if (e.kind === "space") return false;
    if (e.kind === "note" || e.kind === "rest") {
      if (!DURATION_OF[e.dur]) return false;
      music = true;
    }
    if (e.kind === "mrest" || e.kind === "multirest") music = true;
  }
  return music;
}

/**
 * Cuts one excerpt. Throws `ExcerptRejected` when the drawn window is not usable; callers redraw.
 *
 * @param clefName a key of `CLEF_WEIGHTS`; the octave is chosen to keep notes within three ledger lines.
 */
export function cutExcerpt(
  voice: MeiVoice,
  rng: Rng,
  targetFifths: number,
  clefName: string,
): Excerpt {
  const states = measureStates(voice);
  const n = voice.measures.length;
  const length = Math.min(n, rng.pick([2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8]));
  if (length < 1) throw new ExcerptRejected("empty voice");
  const start = rng.int(0, n - length);
  const window = voice.measures.slice(start, start + length);
  if (!window.every((m) => m.present && usable(m.events))) {
    throw new ExcerptRejected("unusable measures");
  }
  if (states.slice(start + 1, start + length).some((s) => s.changes)) {
    throw new ExcerptRejected("key or meter change");
  }
  const state = states[start]!;
  const notes = window.flatMap((m) => m.events).filter((e) => e.kind === "note");
  if (notes.filter((e) => !e.grace).length < 3) throw new ExcerptRejected("too few notes");
  if (notes.length > 48) throw new ExcerptRejected("too many notes");

  // Transpose by the interval that maps the source key to the target key, nearest octave first.
  const k = targetFifths - state.fifths;
  let dd = (((4 * k) % 7) + 7) % 7;
  let ds = (((7 * k) % 12) + 12) % 12;
  if (ds > 6) {
    ds -= 12;
    dd -= 7;
  }
  const clef = { shape: clefName[0] as Clef["shape"], line: Number(clefName[1]) };
  const steps = notes.map((e) => staffStep(clef, e.pitch) + dd);
  const lo = Math.min(...steps), hi = Math.max(...steps);
  const mean = steps.reduce((s, x) => s + x, 0) / steps.length;
  const octaves = [-3, -2, -1, 0, 1, 2, 3].filter((o) => lo + 7 * o >= LOW && hi + 7 * o <= HIGH);
  if (octaves.length === 0) throw new ExcerptRejected("range too wide for clef");
  const oct = octaves.sort((a, b) => Math.abs(mean + 7 * a - 4) - Math.abs(mean + 7 * b - 4))[0]!;
  const move = (p: Pitch): Pitch => {
    const d = diatonicIndex(p) + dd + 7 * oct;
    const step = STEPS[((d % 7) + 7) % 7]!;
    const octave = Math.floor(d / 7);
    const alter = semitone(p) + ds + 12 * oct - ((octave + 1) * 12 + NATURAL[STEPS.indexOf(step)]!);
    if (Math.abs(alter) > 1) throw new ExcerptRejected("double accidental after transposition");
    return { step, alter, octave };
  };

  let meter = state.meter;
  if (meter === "4/4" && rng.chance(0.35)) meter = "C";
  if (meter === "2/2" && rng.chance(0.35)) meter = "C/";
  const tokens: SemanticToken[] = [{ kind: "clef", clef }];
  if (targetFifths !== 0) tokens.push({ kind: "keySignature", fifths: targetFifths });
  tokens.push({ kind: "timeSignature", meter });
  // RISM incipits often open with a multirest; add some so the glyph is seen.
  if (rng.chance(0.05)) {
    tokens.push({ kind: "multirest", measures: rng.pick([2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24]) });
    tokens.push({ kind: "barline" });
  }
  const onsets = new Map<number, number>();
  const tuplets: number[][] = [];
  const measureLen = meterLength(state.meter);
  let mrests = 0;
  const flushRests = () => {
    if (mrests === 1) tokens.push({ kind: "rest", duration: "whole", dots: 0, fermata: false });
    if (mrests > 1) tokens.push({ kind: "multirest", measures: mrests });
    if (mrests > 0) tokens.push({ kind: "barline" });
    mrests = 0;
  };
  window.forEach((m, mi) => {
    const evs = m.events.filter((e) => e.kind !== "clef" && e.kind !== "key" && e.kind !== "meter");
    if (evs.length === 1 && evs[0]!.kind === "mrest" && !evs[0]!.fermata) {
      mrests++;
      return;
    }
    flushRests();
    const timed = evs.filter((e) => (e.kind === "note" && !e.grace) || e.kind === "rest");
    const total = timed.reduce((s, e) => {
      const f = "tuplet" in e && e.tuplet ? 2 / 3 : 1;
      return s + f * durValue((e as { dur: string }).dur, (e as { dots: number }).dots);
    }, 0);
    // A short first measure is a pickup: its notes end on the barline.
    let t = mi === 0 && total < measureLen - 1e-6 ? measureLen - total : 0;
    let run: number[] = [];
    for (const e of evs) {
      const idx = tokens.length;
      if (e.kind === "note") {
        tokens.push({
          kind: "note",
          pitch: move(e.pitch),
          duration: DURATION_OF[e.dur]!,
          dots: e.dots,
          fermata: e.fermata && !e.grace,
          grace: e.grace,
        });
        if (!e.grace) {
          onsets.set(idx, t);
          t += (e.tuplet ? 2 / 3 : 1) * durValue(e.dur, e.dots);
          if (e.tieStart) tokens.push({ kind: "tie" });
        }
      } else if (e.kind === "rest") {
        tokens.push({
          kind: "rest",
          duration: DURATION_OF[e.dur]!,
          dots: e.dots,
          fermata: e.fermata,
        });
        onsets.set(idx, t);
        t += (e.tuplet ? 2 / 3 : 1) * durValue(e.dur, e.dots);
      } else if (e.kind === "mrest") {
        tokens.push({ kind: "rest", duration: "whole", dots: 0, fermata: e.fermata });
      } else if (e.kind === "multirest") tokens.push({ kind: "multirest", measures: e.num });
      const inTuplet = (e.kind === "note" && e.tuplet && !e.grace) ||
        (e.kind === "rest" && e.tuplet);
      if (inTuplet) run.push(idx);
      if (run.length === 3 || (!inTuplet && run.length)) {
        if (run.length === 3) tuplets.push(run);
        run = [];
      }
    }
    tokens.push({ kind: "barline" });
  });
  flushRests();
  // A tie must land on a note of the excerpt: drop ties that would dangle, then renumber.
  const keep = tokens.map((x, i) => {
    if (x.kind !== "tie") return true;
    const prev = tokens[i - 1];
    const next = tokens.slice(i + 1).find((y) => y.kind !== "barline");
    // Sources sometimes write a tie between different pitches (a slur): that is no tie.
    return next !== undefined && next.kind === "note" && !next.grace && prev?.kind === "note" &&
      formatPitch(prev.pitch) === formatPitch(next.pitch);
  });
  const newIndex: number[] = [];
  let kept = 0;
  keep.forEach((k, i) => {
    newIndex[i] = kept;
    if (k) kept++;
  });
  const finalTokens = tokens.filter((_, i) => keep[i]);
  const finalOnsets = new Map([...onsets].map(([i, t]) => [newIndex[i]!, t]));
  const finalTuplets = tuplets.map((r) => r.map((i) => newIndex[i]!));
  return {
    tokens: finalTokens,
    onsets: finalOnsets,
    tuplets: finalTuplets,
    meter,
    startMeasure: start,
    measures: length,
    transpose: ds + 12 * oct,
  };
}
