/**
 * @module PrIMuS semantic tokens: types, parsing, formatting, key signatures and label files.
 */

/** Note and rest durations named as PrIMuS names them, longest first. */
export const DURATIONS = [
  "quadruple_whole",
  "double_whole",
  "whole",
  "half",
  "quarter",
  "eighth",
  "sixteenth",
  "thirty_second",
  "sixty_fourth",
  "hundred_twenty_eighth",
] as const;

/** A PrIMuS duration name. */
export type Duration = typeof DURATIONS[number];

/** Diatonic step letters in scale order from C. */
export const STEPS = ["C", "D", "E", "F", "G", "A", "B"] as const;

/** A diatonic step letter. */
export type Step = typeof STEPS[number];

/** A written/sounding pitch: step, chromatic alteration (-2..2) and scientific octave (C4 = middle C). */
export interface Pitch {
  step: Step;
  alter: number;
  octave: number;
}

/** A clef as PrIMuS names it (`clef-G2`: shape G on line 2). */
export interface Clef {
  shape: "G" | "F" | "C";
  line: number;
}

/** One semantic token, parsed. */
export type SemanticToken =
  | { kind: "clef"; clef: Clef }
  | { kind: "keySignature"; fifths: number }
  | { kind: "timeSignature"; meter: string }
  | {
    kind: "note";
    pitch: Pitch;
    duration: Duration;
    dots: number;
    fermata: boolean;
    grace: boolean;
  }
  | { kind: "rest"; duration: Duration; dots: number; fermata: boolean }
  | { kind: "multirest"; measures: number }
  | { kind: "barline" }
  | { kind: "tie" };

/** Key names by number of fifths (-7..7); PrIMuS writes every key as its major. */
const KEY_NAMES = [
  "CbM",
  "GbM",
  "DbM",
  "AbM",
  "EbM",
  "BbM",
  "FM",
  "CM",
  "GM",
  "DM",
  "AM",
  "EM",
  "BM",
  "F#M",
  "C#M",
];

const SHARP_ORDER: readonly Step[] = ["F", "C", "G", "D", "A", "E", "B"];

/** Order in which sharps (or, reversed, flats) enter a key signature. */
export function keySignatureLetters(fifths: number): Step[] {
  return fifths >= 0 ? SHARP_ORDER.slice(0, fifths) : [...SHARP_ORDER].reverse().slice(0, -fifths);
}

/** The alteration a key signature gives to a step (e.g. 1 for F in D major). */
export function keyAlter(fifths: number, step: Step): number {
  return keySignatureLetters(fifths).includes(step) ? Math.sign(fifths) : 0;
}

/** PrIMuS key name for a number of fifths, e.g. `-3` -> `EbM`. */
export function keyName(fifths: number): string {
  const name = KEY_NAMES[fifths + 7];
  if (name === undefined) throw new RangeError(`Invalid key signature "${fifths}": must be -7..7`);
  return name;
}

/** Diatonic index of a pitch (C0 = 0, one per step), for staff positions and intervals. */
export function diatonicIndex(p: Pitch): number {
  return p.octave * 7 + STEPS.indexOf(p.step);
}

/** MIDI-like semitone number of a pitch (C4 = 60). */
export function semitone(p: Pitch): number {
  const base = [0, 2, 4, 5, 7, 9, 11][STEPS.indexOf(p.step)]!;
  return (p.octave + 1) * 12 + base + p.alter;
}

/** Formats a pitch as PrIMuS does: `F#5`, `Bb4`, `C4`. */
export function formatPitch(p: Pitch): string {
  const acc = p.alter > 0 ? "#".repeat(p.alter) : "b".repeat(-p.alter);
  return `${p.step}${acc}${p.octave}`;
}

/** Parses a PrIMuS pitch such as `Eb5`. */
export function parsePitch(s: string): Pitch {
  const m = /^([A-G])(#{1,2}|b{1,2})?(-?\d)$/.exec(s);
  if (!m) throw new SyntaxError(`Cannot parse pitch "${s}"`);
  const acc = m[2] ?? "";
  return {
    step: m[1] as Step,
    alter: acc.startsWith("#") ? acc.length : -acc.length,
    octave: Number(m[3]),
  };
}

function formatDuration(d: Duration, dots: number, fermata: boolean): string {
  return d + ".".repeat(dots) + (fermata ? "_fermata" : "");
}

/** Formats one token in PrIMuS spelling. */
export function formatToken(t: SemanticToken): string {
  switch (t.kind) {
    case "clef":
      return `clef-${t.clef.shape}${t.clef.line}`;
    case "keySignature":
      return `keySignature-${keyName(t.fifths)}`;
    case "timeSignature":
      return `timeSignature-${t.meter}`;
    case "note":
      return `${t.grace ? "gracenote" : "note"}-${formatPitch(t.pitch)}_${
        formatDuration(t.duration, t.dots, t.fermata)
      }`;
    case "rest":
      return `rest-${formatDuration(t.duration, t.dots, t.fermata)}`;
    case "multirest":
      return `multirest-${t.measures}`;
    case "barline":
      return "barline";
    case "tie":
      return "tie";
  }
}

function parseDuration(
  s: string,
  token: string,
): { duration: Duration; dots: number; fermata: boolean } {
  const m = /^([a-z_]+?)(\.*)(_fermata)?$/.exec(s);
  const duration = m?.[1] as Duration | undefined;
  if (!m || !duration || !DURATIONS.includes(duration)) {
    throw new SyntaxError(`Cannot parse token "${token}": unknown duration`);
  }
  return { duration, dots: m[2]!.length, fermata: m[3] !== undefined };
}

/**
 * Parses one PrIMuS semantic token.
 *
 * @example
 * ```ts
 * import { parseToken } from "./semantic_tokens.ts";
 * const t = parseToken("note-F#5_quarter.");
 * console.assert(t.kind === "note" && t.dots === 1);
 * ```
 */
export function parseToken(token: string): SemanticToken {
  if (token === "barline") return { kind: "barline" };
  if (token === "tie") return { kind: "tie" };
  const dash = token.indexOf("-");
  const head = token.slice(0, dash);
  const body = token.slice(dash + 1);
  if (head === "clef") {
    const m = /^([GFC])([1-5])$/.exec(body);
    if (!m) throw new SyntaxError(`Cannot parse token "${token}": unknown clef`);
    return { kind: "clef", clef: { shape: m[1] as Clef["shape"], line: Number(m[2]) } };
  }
  if (head === "keySignature") {
    const fifths = KEY_NAMES.indexOf(body) - 7;
    if (fifths < -7) throw new SyntaxError(`Cannot parse token "${token}": unknown key`);
    return { kind: "keySignature", fifths };
  }
  if (head === "timeSignature") {
    if (!/^(C|C\/|\d+\/\d+)$/.test(body)) {
      throw new SyntaxError(`Cannot parse token "${token}": unknown meter`);
    }
    return { kind: "timeSignature", meter: body };
  }
  if (head === "multirest") {
    const n = Number(body);
    if (!Number.isInteger(n) || n < 1) throw new SyntaxError(`Cannot parse token "${token}"`);
    return { kind: "multirest", measures: n };
  }
  if (head === "rest") return { kind: "rest", ...parseDuration(body, token) };
  if (head === "note" || head === "gracenote") {
    const us = body.indexOf("_");
    if (us === -1) throw new SyntaxError(`Cannot parse token "${token}": no duration`);
    return {
      kind: "note",
      pitch: parsePitch(body.slice(0, us)),
      ...parseDuration(body.slice(us + 1), token),
      grace: head === "gracenote",
    };
  }
  throw new SyntaxError(`Cannot parse token "${token}": unknown kind`);
}

/** Formats a token list as a PrIMuS label file: every token followed by a TAB, no newline. */
export function formatLabelFile(tokens: readonly string[]): string {
  return tokens.map((t) => t + "\t").join("");
}

/** Reads a PrIMuS label file (tokens separated by TABs or whitespace) into tokens. */
export function parseLabelFile(text: string): string[] {
  return text.split(/\s+/).filter((t) => t !== "");
}

/** Reads a vocabulary file (one token per line) into a set. */
export function parseVocabulary(text: string): Set<string> {
  return new Set(text.split("\n").map((l) => l.trim()).filter((l) => l !== ""));
}
