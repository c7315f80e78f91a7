/**
 * @module MEI of one staff to PrIMuS agnostic tokens (glyph + staff position), from the same MEI that is rendered.
 */
import { type MeiVoice, readMeiVoices } from "./mei_reader.ts";
import { durationOf } from "./mei_to_semantic.ts";
import type { Clef } from "./semantic_tokens.ts";
import { keySignatureSteps, positionName, staffStep } from "./staff_position.ts";

const ACCID_NAME: Record<string, string> = {
  s: "sharp",
  f: "flat",
  n: "natural",
  x: "double_sharp",
  ff: "double_flat",
};

const BEAMS: Record<string, number> = {
  eighth: 1,
  sixteenth: 2,
  thirty_second: 3,
  sixty_fourth: 4,
  hundred_twenty_eighth: 5,
};

/** The dot of a note on a line sits in the space above; on a space, in that space. */
function dotPosition(step: number): string {
  return positionName(step % 2 === 0 ? step + 1 : step);
}

/**
 * Converts one voice to agnostic tokens, following PrIMuS: accidentals and fermatas before their note,
 * dots after it, a tie as `slur.start` after the first note and `slur.end` before the second (both at
 * the first note's position), multirest digits before the multirest glyph.
 */
export function voiceToAgnostic(voice: MeiVoice): string[] {
  const out: string[] = [];
  let clef: Clef = { shape: "G", line: 2 };
  let slurEnd: string | undefined;
  for (const m of voice.measures) {
    for (const e of m.events) {
      switch (e.kind) {
        case "clef":
          clef = e.clef;
          out.push(`clef.${clef.shape}-L${clef.line}`);
          break;
        case "key": {
          const glyph = e.fifths > 0 ? "sharp" : "flat";
          for (const s of keySignatureSteps(clef, e.fifths)) {
            out.push(`accidental.${glyph}-${positionName(s)}`);
          }
          break;
        }
        case "meter":
          if (e.meter === "C" || e.meter === "C/") out.push(`metersign.${e.meter}-L3`);
          else {
            const [count, unit] = e.meter.split("/");
            out.push(`digit.${count}-L4`, `digit.${unit}-L2`);
          }
          break;
        case "note": {
          const step = staffStep(clef, e.pitch);
          const pos = positionName(step);
          const duration = durationOf(e.dur);
          if (e.tieEnd && slurEnd && !e.grace) {
            out.push(slurEnd);
            slurEnd = undefined;
          }
          if (e.fermata) out.push("fermata.above-S6");
          if (e.accid) out.push(`accidental.${ACCID_NAME[e.accid] ?? e.accid}-${pos}`);
          if (e.grace) out.push(`gracenote.${duration}-${pos}`);
          else if (e.beam) out.push(`note.beamed${e.beam}${BEAMS[duration] ?? 0}-${pos}`);
          else out.push(`note.${duration}-${pos}`);
          for (let d = 0; d < e.dots; d++) out.push(`dot-${dotPosition(step)}`);
          if (e.tieStart && !e.grace) {
            out.push(`slur.start-${pos}`);
            slurEnd = `slur.end-${pos}`;
          }
          break;
        }
        case "rest": {
          const duration = durationOf(e.dur);
          const step = duration === "whole" ? 6 : 4;
          if (e.fermata) out.push("fermata.above-S6");
          out.push(`rest.${duration}-${positionName(step)}`);
          for (let d = 0; d < e.dots; d++) out.push(`dot-${dotPosition(step)}`);
          break;
        }
        case "mrest":
          if (e.fermata) out.push("fermata.above-S6");
          out.push("rest.whole-L4");
          break;
        case "multirest":
          for (const digit of String(e.num)) out.push(`digit.${digit}-S5`);
          out.push("multirest-L3");
          break;
        case "space":
          break;
      }
    }
    if (m.right !== "invis") out.push("barline-L1");
  }
  return out;
}

/**
 * Reads the first staff layer of an MEI document as PrIMuS agnostic token strings.
 *
 * @example
 * ```ts
 * import { meiToAgnostic } from "./mei_to_agnostic.ts";
 * const mei = '<mei><music><body><mdiv><score><scoreDef key.sig="2s"><staffGrp><staffDef n="1" clef.shape="G" clef.line="2"/></staffGrp></scoreDef><section><measure><staff n="1"><layer n="1"><note pname="f" oct="5" dur="4"/></layer></staff></measure></section></score></mdiv></body></music></mei>';
 * console.assert(meiToAgnostic(mei).join(" ") === "clef.G-L2 accidental.sharp-L5 accidental.sharp-S3 note.quarter-L5 barline-L1");
 * ```
 */
export function meiToAgnostic(mei: string): string[] {
  const voice = readMeiVoices(mei)[0];
  if (!voice) throw new SyntaxError("Cannot read MEI: no staff layer");
  return voiceToAgnostic(voice);
}
