/**
 * @module Joins the semantic tokens of a page's staves into one score.
 */

/** The kinds of token that every staff restates at its start. */
const HEADER_KINDS = ["clef", "keySignature", "timeSignature"] as const;
type HeaderKind = typeof HEADER_KINDS[number];

/** The header kind of `token` (`clef-G2` is a clef), or undefined for any other token. */
function headerKind(token: string): HeaderKind | undefined {
  return HEADER_KINDS.find((kind) => token.startsWith(`${kind}-`));
}

/**
 * Concatenates the semantic tokens of staves in reading order into one score. Engravers restate
 * the clef and key (and sometimes the meter) at the start of every staff; those restatements are
 * dropped from each following staff's leading clef, key and time signature tokens, while a real
 * change is kept. A line break falls at a barline, so when a staff does not end with one (the
 * recognizer missed it, or the engraver omits it at a system's end) a barline is put between it
 * and the next. Empty staves contribute nothing.
 *
 * @example
 * ```ts
 * import { combineStaves } from "./combine_staves.ts";
 * const combined = combineStaves([
 *   ["clef-G2", "keySignature-DM", "note-D5_half"],
 *   ["clef-G2", "keySignature-DM", "timeSignature-3/4", "note-A4_half", "barline"],
 * ]);
 * console.assert(
 *   combined.join(" ") === "clef-G2 keySignature-DM note-D5_half barline timeSignature-3/4 note-A4_half barline",
 * );
 * ```
 */
export function combineStaves(staves: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  // The clef, key and meter in force, from every token so far (changes inside a staff count).
  const current = new Map<HeaderKind, string>();
  for (const staff of staves) {
    let start = 0;
    if (out.length > 0) {
      while (start < staff.length && headerKind(staff[start]!) !== undefined) start++;
    }
    // Of the leading header, only the tokens that change what is in force are kept.
    const kept = [
      ...staff.slice(0, start).filter((token) => current.get(headerKind(token)!) !== token),
      ...staff.slice(start),
    ];
    if (kept.length === 0) continue;
    const music = out.some((token) => headerKind(token) === undefined);
    if (music && out.at(-1) !== "barline") out.push("barline");
    for (const token of kept) {
      const kind = headerKind(token);
      if (kind !== undefined) current.set(kind, token);
      out.push(token);
    }
  }
  return out;
}
