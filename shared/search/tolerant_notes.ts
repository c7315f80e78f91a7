/**
 * @module Notes of semantic tokens that may not all parse (a recognizer's output): unreadable
 * tokens are skipped, as the search model's training data skipped them.
 */
import { parseToken, type SemanticToken } from "../music/semantic_tokens.ts";
import { semanticToTimeline, type TimedNote } from "../music/timeline.ts";

/**
 * The notes of `tokens` on a time line, leaving out the tokens that do not parse.
 *
 * @example
 * ```ts
 * import { tolerantNotes } from "./tolerant_notes.ts";
 * const notes = tolerantNotes(["clef-G2", "note-C5_half", "note-?_oops", "note-D5_half"]);
 * console.assert(notes.length === 2 && notes[1]?.start === 96);
 * ```
 */
export function tolerantNotes(tokens: readonly string[]): TimedNote[] {
  const parsed = tokens.flatMap((token): SemanticToken[] => {
    try {
      return [parseToken(token)];
    } catch {
      return []; // the token is left out, as in models/data/search.ts
    }
  });
  return semanticToTimeline(parsed);
}
