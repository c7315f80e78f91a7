/**
 * @module Engraving choices for one excerpt: beams, stems, font, spacing and the unlabelled marks.
 */
import type { SemanticToken } from "../../shared/music/semantic_tokens.ts";
import type { Engraving, EngravingMarks } from "../../shared/music/tokens_to_mei.ts";
import { MUSIC_FONTS, type StaffLayout } from "../../shared/music/verovio.ts";
import type { Excerpt } from "./excerpt.ts";
import type { Rng } from "../../shared/prng.ts";

const BEAMABLE = new Set([
  "eighth",
  "sixteenth",
  "thirty_second",
  "sixty_fourth",
  "hundred_twenty_eighth",
]);
const DYNAMICS = ["pp", "p", "mp", "mf", "f", "ff", "sf", "sfz", "fp"];
const ARTICS = ["stacc", "acc", "ten", "marc", "stacciss"];
const TEMPI = [
  "Allegro",
  "Andante",
  "Adagio",
  "Moderato",
  "Presto",
  "Lento",
  "Allegretto",
  "Largo",
  "Vivace",
];
const SYLLABLES = [
  "la",
  "do",
  "Ky",
  "ri",
  "e",
  "glo",
  "a",
  "De",
  "o",
  "san",
  "na",
  "in",
  "ex",
  "cel",
  "sis",
  "Al",
  "le",
  "lu",
  "ja",
  "Herr",
  "Gott",
  "dich",
  "lo",
  "ben",
  "wir",
];

/** Beat length (whole notes) that beams group by, per meter. */
function beatOf(meter: string, rng: Rng): number {
  if (meter === "C/") return 0.25;
  if (meter === "C") return rng.chance(0.25) ? 0.5 : 0.25;
  const [c, u] = meter.split("/").map(Number) as [number, number];
  if (u >= 8 && c % 3 === 0 && c > 3) return 3 / u;
  if (c === 3 && u === 8) return 3 / 8;
  if (u === 2) return 0.25;
  if (c === 4 && u === 4 && rng.chance(0.25)) return 0.5;
  return 1 / u;
}

/** Beams consecutive eighths and shorter within one beat; rests, longer notes and barlines break them. */
export function beamGroups(
  tokens: readonly SemanticToken[],
  onsets: Map<number, number>,
  beat: number,
): number[][] {
  const groups: number[][] = [];
  let cur: number[] = [];
  let curBeat = -1;
  const flush = () => {
    if (cur.length > 1) groups.push(cur);
    cur = [];
  };
  tokens.forEach((t, i) => {
    if (t.kind === "note" && t.grace) return;
    if (t.kind === "tie") return;
    if (t.kind === "note" && BEAMABLE.has(t.duration)) {
      const b = Math.floor((onsets.get(i) ?? 0) / beat + 1e-6);
      if (b !== curBeat) flush();
      curBeat = b;
      cur.push(i);
    } else {
      flush();
      curBeat = -1;
    }
  });
  flush();
  return groups;
}

/** Draws the engraving of one excerpt; `textMarks` false leaves out marks that need a text font. */
export function drawEngraving(ex: Excerpt, rng: Rng, textMarks: boolean): Engraving {
  const tokens = ex.tokens;
  const notes = tokens.flatMap((t, i) => (t.kind === "note" && !t.grace ? [i] : []));
  // Some editions (and vocal music) flag every note: keep a share unbeamed.
  const beams = rng.chance(0.1) ? [] : beamGroups(tokens, ex.onsets, beatOf(ex.meter, rng));
  const stems: Record<number, "up" | "down"> = {};
  if (rng.chance(0.2)) {
    const mode = rng.pick(["up", "down", "mixed"] as const);
    const dir = () => (mode === "mixed" ? rng.pick(["up", "down"] as const) : mode);
    const inBeam = new Set(beams.flat());
    for (const g of beams) {
      const d = dir();
      for (const i of g) stems[i] = d;
    }
    for (const i of notes) if (!inBeam.has(i)) stems[i] = dir();
  }
  const marks: EngravingMarks = {
    tuplets: ex.tuplets.map((r) => ({ from: r[0]!, to: r.at(-1)!, num: 3, numbase: 2 })),
  };
  const span = (maxGap: number): [number, number] | undefined => {
    if (notes.length < 2) return undefined;
    const a = rng.int(0, notes.length - 2);
    const b = Math.min(notes.length - 1, a + rng.int(1, maxGap));
    return [notes[a]!, notes[b]!];
  };
  if (rng.chance(0.35)) {
    marks.slurs = [];
    for (let k = rng.int(1, 3); k > 0; k--) {
      const s = span(4);
      if (s) {
        marks.slurs.push({
          from: s[0],
          to: s[1],
          curve: rng.chance(0.7) ? undefined : rng.pick(["above", "below"] as const),
        });
      }
    }
  }
  if (rng.chance(0.3) && notes.length) {
    marks.dynamics = Array.from(
      { length: rng.int(1, 2) },
      () => ({ at: rng.pick(notes), text: rng.pick(DYNAMICS) }),
    );
  }
  if (rng.chance(0.2)) {
    const s = span(5);
    if (s) marks.hairpins = [{ from: s[0], to: s[1], form: rng.pick(["cres", "dim"] as const) }];
  }
  if (rng.chance(0.3)) {
    const artic = rng.pick(ARTICS);
    marks.artics = notes.filter(() => rng.chance(0.3)).map((at) => ({
      at,
      artic: rng.chance(0.7) ? artic : rng.pick(ARTICS),
    }));
  }
  if (textMarks) {
    if (rng.chance(0.1)) {
      marks.fingerings = notes.filter(() => rng.chance(0.3)).map((at) => ({
        at,
        text: String(rng.int(1, 5)),
      }));
    }
    if (rng.chance(0.15)) marks.lyrics = notes.map((at) => ({ at, text: rng.pick(SYLLABLES) }));
    if (rng.chance(0.15)) marks.tempo = rng.pick(TEMPI);
  }
  return { beams, stems, graceSlash: rng.chance(0.6), marks };
}

/** Draws font, spacing and margins (the staff size in the fixed-height image follows from the margins). */
export function drawLayout(rng: Rng): StaffLayout {
  return {
    font: rng.pick(MUSIC_FONTS),
    scale: 100,
    spacingLinear: rng.range(0.15, 0.4),
    spacingNonLinear: rng.range(0.45, 0.75),
    marginX: rng.int(20, 200),
    marginY: rng.int(25, 130),
  };
}
