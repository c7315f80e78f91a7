/**
 * @module MEI of one staff to PrIMuS semantic tokens (the inverse of `tokens_to_mei.ts`).
 */
import { type MeiVoice, readMeiVoices } from "./mei_reader.ts";
import { type Duration, formatToken, type SemanticToken } from "./semantic_tokens.ts";
import { MEI_DUR } from "./tokens_to_mei.ts";

/** PrIMuS duration for each MEI `@dur`. */
export const DURATION_OF: Record<string, Duration> = Object.fromEntries(
  Object.entries(MEI_DUR).map(([k, v]) => [v, k as Duration]),
);

/** Looks up the PrIMuS duration of an MEI `@dur`, or throws a `RangeError` naming it. */
export function durationOf(dur: string): Duration {
  const d = DURATION_OF[dur];
  if (!d) throw new RangeError(`Unsupported MEI duration "${dur}"`);
  return d;
}

/**
 * Converts one voice to semantic tokens. A key signature of no accidentals at the start is left out,
 * as PrIMuS does; every measure not marked `right="invis"` ends with a barline.
 */
export function voiceToSemantic(voice: MeiVoice): SemanticToken[] {
  const out: SemanticToken[] = [];
  let started = false;
  for (const m of voice.measures) {
    for (const e of m.events) {
      switch (e.kind) {
        case "clef":
          out.push({ kind: "clef", clef: e.clef });
          break;
        case "key":
          if (started || e.fifths !== 0) out.push({ kind: "keySignature", fifths: e.fifths });
          break;
        case "meter":
          out.push({ kind: "timeSignature", meter: e.meter });
          break;
        case "note":
          started = true;
          out.push({
            kind: "note",
            pitch: e.pitch,
            duration: durationOf(e.dur),
            dots: e.dots,
            fermata: e.fermata,
            grace: e.grace,
          });
          if (e.tieStart && !e.grace) out.push({ kind: "tie" });
          break;
        case "rest":
          started = true;
          out.push({ kind: "rest", duration: durationOf(e.dur), dots: e.dots, fermata: e.fermata });
          break;
        case "mrest":
          started = true;
          out.push({ kind: "rest", duration: "whole", dots: 0, fermata: e.fermata });
          break;
        case "multirest":
          started = true;
          out.push({ kind: "multirest", measures: e.num });
          break;
        case "space":
          break;
      }
    }
    started = true;
    if (m.right !== "invis") out.push({ kind: "barline" });
  }
  return out;
}

/**
 * Reads the first staff layer of an MEI document as PrIMuS semantic token strings.
 *
 * @example
 * ```ts
 * import { meiToSemantic } from "./mei_to_semantic.ts";
 * const mei = '<mei><music><body><mdiv><score><scoreDef key.sig="3f"><staffGrp><staffDef n="1" clef.shape="C" clef.line="1"/></staffGrp></scoreDef><section><measure><staff n="1"><layer n="1"><note pname="b" oct="4" dur="8"/></layer></staff></measure></section></score></mdiv></body></music></mei>';
 * console.assert(meiToSemantic(mei).join(" ") === "clef-C1 keySignature-EbM note-Bb4_eighth barline");
 * ```
 */
export function meiToSemantic(mei: string): string[] {
  const voice = readMeiVoices(mei)[0];
  if (!voice) throw new SyntaxError("Cannot read MEI: no staff layer");
  return voiceToSemantic(voice).map(formatToken);
}
