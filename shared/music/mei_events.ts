/**
 * @module Event types of a voice read from MEI (see `mei_reader.ts`).
 */
import type { Clef, Pitch } from "./semantic_tokens.ts";

/** A note as read from MEI, with its sounding pitch (key signature and measure accidentals applied). */
export interface NoteEvent {
  kind: "note";
  id: string;
  pitch: Pitch;
  /** Displayed accidental (`s`, `f`, `n`, `x`, `ff`), if any. */
  accid?: string;
  /** MEI duration (`4`, `8`, `breve`, ...). */
  dur: string;
  dots: number;
  grace: boolean;
  fermata: boolean;
  /** Tied to the following note. */
  tieStart: boolean;
  /** Continuation of a tie from the previous note. */
  tieEnd: boolean;
  /** Position inside a beam: first, middle or last beamed note. */
  beam?: "Right" | "Both" | "Left";
  /** Inside a `<tuplet>` (written durations are not the real ones). */
  tuplet: boolean;
  /** Taken from a chord (its top note). */
  chord: boolean;
}

/** Any event of a voice. */
export type MeiEvent =
  | NoteEvent
  | { kind: "rest"; id: string; dur: string; dots: number; fermata: boolean; tuplet: boolean }
  | { kind: "space"; dur: string; dots: number }
  | { kind: "mrest"; fermata: boolean }
  | { kind: "multirest"; num: number }
  | { kind: "clef"; clef: Clef }
  | { kind: "key"; fifths: number }
  | { kind: "meter"; meter: string };

/** One measure of one voice. */
export interface MeiMeasure {
  events: MeiEvent[];
  /** `@right` of the measure (`single` when absent, `invis`, `end`, `rptend`, ...). */
  right: string;
  /** False when this voice's layer does not occur in the measure. */
  present: boolean;
}

/** One staff layer through the whole score. */
export interface MeiVoice {
  staff: string;
  layer: string;
  measures: MeiMeasure[];
}
