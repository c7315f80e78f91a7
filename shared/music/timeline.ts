/**
 * @module Notes on a time line (pitch, onset, length in ticks): what piano rolls and statistics
 * read, built from semantic tokens, melody tokens or MIDI alike.
 */
import { durationTicks, TICKS_PER_QUARTER } from "./melody_tokens.ts";
import { type SemanticToken, semitone } from "./semantic_tokens.ts";

/** One sounding note: MIDI pitch, onset and length in ticks ({@linkcode TICKS_PER_QUARTER}). */
export interface TimedNote {
  pitch: number;
  start: number;
  ticks: number;
}

/**
 * Places semantic tokens on a time line: tied notes of one pitch merge, rests and multi-measure
 * rests (at the current meter) advance time, grace notes take none.
 *
 * @example
 * ```ts
 * import { semanticToTimeline } from "./timeline.ts";
 * import { parseToken } from "./semantic_tokens.ts";
 * const notes = semanticToTimeline(["note-C4_half", "tie", "note-C4_quarter"].map(parseToken));
 * console.assert(notes.length === 1 && notes[0]?.ticks === 144);
 * ```
 */
export function semanticToTimeline(tokens: readonly SemanticToken[]): TimedNote[] {
  const out: TimedNote[] = [];
  let time = 0;
  let measure = TICKS_PER_QUARTER * 4;
  let tied = false;
  for (const t of tokens) {
    if (t.kind === "timeSignature") {
      const m = /^(\d+)\/(\d+)$/.exec(t.meter);
      measure = m ? (Number(m[1]) * TICKS_PER_QUARTER * 4) / Number(m[2]) : TICKS_PER_QUARTER * 4;
    } else if (t.kind === "note" && !t.grace) {
      const ticks = durationTicks(t.duration, t.dots) ?? 0;
      const pitch = semitone(t.pitch);
      const last = out[out.length - 1];
      if (tied && last && last.pitch === pitch && last.start + last.ticks === time) {
        last.ticks += ticks;
      } else if (ticks > 0) out.push({ pitch, start: time, ticks });
      time += ticks;
      tied = false;
    } else if (t.kind === "rest") {
      time += durationTicks(t.duration, t.dots) ?? 0;
      tied = false;
    } else if (t.kind === "multirest") {
      time += t.measures * measure;
    } else if (t.kind === "tie") {
      tied = true;
    }
  }
  return out;
}
