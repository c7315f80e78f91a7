/**
 * @module Melody tokens: the compact event encoding the melody generator reads and writes.
 *
 * A line is `<bos> key:<fifths> meter:<m>` then events: a note `n:<pitch>` or `rest`, each followed
 * by its duration `d:<PrIMuS duration and dots>`, an optional `tie` after a note's duration, and
 * `bar` at the end of every measure. Pitches are spelled (`n:F#5`) so notation comes back out
 * unchanged; durations are PrIMuS names (`d:quarter.`), so a line maps one-to-one onto semantic
 * tokens and reuses their MEI, MusicXML, MIDI and SVG writers.
 */
import {
  type Duration,
  DURATIONS,
  formatPitch,
  parsePitch,
  type Pitch,
  type SemanticToken,
  semitone,
} from "./semantic_tokens.ts";

/** Ticks per quarter note: the dotted thirty-second (9) and double-dotted sixteenth (21) are whole. */
export const TICKS_PER_QUARTER = 48;

/** Durations a melody token may carry, longest first (shorter ones are not whole ticks). */
export const MELODY_DURATIONS: readonly Duration[] = DURATIONS.slice(0, 8);

const BASE_TICKS: Record<string, number> = Object.fromEntries(
  MELODY_DURATIONS.map((d, i) => [d, (TICKS_PER_QUARTER * 16) / 2 ** i]),
);

/**
 * Length of a duration in ticks, or `undefined` when it is not a whole number of ticks.
 *
 * @example
 * ```ts
 * import { durationTicks } from "./melody_tokens.ts";
 * console.assert(durationTicks("quarter", 1) === 72);
 * ```
 */
export function durationTicks(duration: Duration, dots: number): number | undefined {
  const base = BASE_TICKS[duration];
  if (base === undefined || dots < 0 || dots > 2) return undefined;
  const ticks = base * (2 - 1 / 2 ** dots);
  return Number.isInteger(ticks) ? ticks : undefined;
}

/**
 * Length of one measure of a meter (`6/8`, `C`, `C/`) in ticks, or `undefined` for an unknown form.
 *
 * @example
 * ```ts
 * import { meterTicks } from "./melody_tokens.ts";
 * console.assert(meterTicks("6/8") === 144);
 * ```
 */
export function meterTicks(meter: string): number | undefined {
  if (meter === "C" || meter === "C/") return TICKS_PER_QUARTER * 4;
  const m = /^(\d{1,2})\/(1|2|4|8|16)$/.exec(meter);
  if (!m) return undefined;
  const ticks = (Number(m[1]) * TICKS_PER_QUARTER * 4) / Number(m[2]);
  return ticks > 0 && Number.isInteger(ticks) ? ticks : undefined;
}

/** One melody token, parsed. */
export type MelodyToken =
  | { kind: "pad" }
  | { kind: "bos" }
  | { kind: "key"; fifths: number }
  | { kind: "meter"; meter: string }
  | { kind: "note"; pitch: Pitch }
  | { kind: "rest" }
  | { kind: "duration"; duration: Duration; dots: number; ticks: number }
  | { kind: "tie" }
  | { kind: "bar" };

/** Formats a parsed melody token. */
export function formatMelodyToken(t: MelodyToken): string {
  switch (t.kind) {
    case "pad":
      return "<pad>";
    case "bos":
      return "<bos>";
    case "key":
      return `key:${t.fifths}`;
    case "meter":
      return `meter:${t.meter}`;
    case "note":
      return `n:${formatPitch(t.pitch)}`;
    case "rest":
      return "rest";
    case "duration":
      return `d:${t.duration}${".".repeat(t.dots)}`;
    case "tie":
      return "tie";
    case "bar":
      return "bar";
  }
}

/**
 * Parses one melody token, throwing a `SyntaxError` that quotes it when it is not one.
 *
 * @example
 * ```ts
 * import { parseMelodyToken } from "./melody_tokens.ts";
 * const t = parseMelodyToken("d:half.");
 * console.assert(t.kind === "duration" && t.ticks === 144);
 * ```
 */
export function parseMelodyToken(token: string): MelodyToken {
  switch (token) {
    case "<pad>":
      return { kind: "pad" };
    case "<bos>":
      return { kind: "bos" };
    case "rest":
      return { kind: "rest" };
    case "tie":
      return { kind: "tie" };
    case "bar":
      return { kind: "bar" };
  }
  const colon = token.indexOf(":");
  const head = token.slice(0, colon);
  const body = token.slice(colon + 1);
  if (head === "key" && /^-?\d$/.test(body) && Math.abs(Number(body)) <= 7) {
    return { kind: "key", fifths: Number(body) };
  }
  if (head === "meter" && meterTicks(body) !== undefined) return { kind: "meter", meter: body };
  if (head === "n") {
    try {
      return { kind: "note", pitch: parsePitch(body) };
    } catch {
      throw new SyntaxError(`Cannot parse melody token "${token}": bad pitch`);
    }
  }
  if (head === "d") {
    const m = /^([a-z_]+?)(\.{0,2})$/.exec(body);
    const duration = m?.[1] as Duration | undefined;
    const dots = m?.[2]?.length ?? 0;
    const ticks = duration && MELODY_DURATIONS.includes(duration)
      ? durationTicks(duration, dots)
      : undefined;
    if (duration && ticks !== undefined) return { kind: "duration", duration, dots, ticks };
  }
  throw new SyntaxError(`Cannot parse melody token "${token}": unknown token`);
}

/**
 * Splits a length in ticks into the fewest rest durations (longest first, dots allowed), or
 * `undefined` when no sum of melody durations makes it.
 *
 * @example
 * ```ts
 * import { restsFor } from "./melody_tokens.ts";
 * console.assert(restsFor(144)?.length === 1); // a dotted half fills 6/8
 * ```
 */
export function restsFor(ticks: number): Array<{ duration: Duration; dots: number }> | undefined {
  const out: Array<{ duration: Duration; dots: number }> = [];
  let left = ticks;
  while (left > 0) {
    let best: { duration: Duration; dots: number; ticks: number } | undefined;
    for (const duration of MELODY_DURATIONS) {
      for (const dots of [0, 1]) {
        const t = durationTicks(duration, dots);
        if (t !== undefined && t <= left && (!best || t > best.ticks)) {
          best = { duration, dots, ticks: t };
        }
      }
    }
    if (!best) return undefined;
    out.push({ duration: best.duration, dots: best.dots });
    left -= best.ticks;
  }
  return out;
}

/**
 * Converts a melody line to PrIMuS semantic tokens (with a clef that suits its range), so the
 * notation writers can render it. Throws a `SyntaxError` naming the first token out of place.
 *
 * @example
 * ```ts
 * import { melodyToSemantic } from "./melody_tokens.ts";
 * const s = melodyToSemantic(["<bos>", "key:1", "meter:3/4", "n:F#5", "d:half.", "bar"]);
 * console.assert(s.length === 5 && s[0]?.kind === "clef");
 * ```
 */
export function melodyToSemantic(tokens: readonly string[]): SemanticToken[] {
  const parsed = tokens.map(parseMelodyToken).filter((t) => t.kind !== "pad" && t.kind !== "bos");
  const pitches = parsed.flatMap((t) => (t.kind === "note" ? [semitone(t.pitch)] : []));
  const mean = pitches.length ? pitches.reduce((a, b) => a + b, 0) / pitches.length : 67;
  const out: SemanticToken[] = [{
    kind: "clef",
    clef: mean < 57 ? { shape: "F", line: 4 } : { shape: "G", line: 2 },
  }];
  let pending: { kind: "note"; pitch: Pitch } | { kind: "rest" } | undefined;
  let lastWasNote = false;
  for (const [i, t] of parsed.entries()) {
    const misplaced = () =>
      new SyntaxError(`Cannot read melody: token ${i} "${formatMelodyToken(t)}" is out of place`);
    if (pending && t.kind !== "duration") throw misplaced();
    switch (t.kind) {
      case "key":
        out.push({ kind: "keySignature", fifths: t.fifths });
        break;
      case "meter":
        out.push({ kind: "timeSignature", meter: t.meter });
        break;
      case "note":
      case "rest":
        pending = t;
        break;
      case "duration":
        if (!pending) throw misplaced();
        out.push(
          pending.kind === "note"
            ? {
              kind: "note",
              pitch: pending.pitch,
              duration: t.duration,
              dots: t.dots,
              fermata: false,
              grace: false,
            }
            : { kind: "rest", duration: t.duration, dots: t.dots, fermata: false },
        );
        lastWasNote = pending.kind === "note";
        pending = undefined;
        break;
      case "tie":
        if (!lastWasNote) throw misplaced();
        out.push({ kind: "tie" });
        lastWasNote = false;
        break;
      case "bar":
        out.push({ kind: "barline" });
        lastWasNote = false;
        break;
    }
  }
  if (pending) throw new SyntaxError("Cannot read melody: it ends inside a note without duration");
  return out;
}
