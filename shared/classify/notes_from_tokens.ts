/**
 * @module Notes of a token list: melody tokens (the generator's) or PrIMuS semantic tokens (what
 * `/v1/recognize` answers), told apart by their first token.
 */
import { melodyToSemantic, parseMelodyToken } from "../music/melody_tokens.ts";
import { parseToken, type SemanticToken } from "../music/semantic_tokens.ts";
import { semanticToTimeline, type TimedNote } from "../music/timeline.ts";
import { unreadableNotes } from "./unreadable_notes.ts";

/** Which token family a list is written in. */
export type TokenKind = "melody" | "semantic";

/**
 * The family of `tokens`: melody when its first token other than `tie` is a melody token
 * (`<bos>`, `key:1`, `n:C5`, `bar`...), else semantic.
 *
 * @example
 * ```ts
 * import { tokenKind } from "./notes_from_tokens.ts";
 * console.assert(tokenKind(["key:0", "meter:C", "rest", "d:whole", "bar"]) === "melody");
 * console.assert(tokenKind(["clef-G2", "note-C5_whole", "barline"]) === "semantic");
 * ```
 */
export function tokenKind(tokens: readonly string[]): TokenKind {
  const first = tokens.find((t) => t !== "tie");
  if (first === undefined) return "semantic";
  try {
    parseMelodyToken(first);
    return "melody";
  } catch {
    return "semantic";
  }
}

/** Parses every token with `parse`; a 422 names the index and token of the first failure. */
function parseAll<T>(tokens: readonly string[], kind: TokenKind, parse: (t: string) => T): T[] {
  return tokens.map((token, index) => {
    try {
      return parse(token);
    } catch (error) {
      throw unreadableNotes(
        `token ${index} "${token.slice(0, 60)}" is not a ${kind} token`,
        { field: "tokens", index, token: token.slice(0, 60), kind },
        error,
      );
    }
  });
}

/**
 * The notes of melody or semantic tokens on a time line (48 ticks a quarter).
 *
 * @example
 * ```ts
 * import { notesFromTokens } from "./notes_from_tokens.ts";
 * const { notes } = notesFromTokens(["key:0", "meter:2/4", "n:C5", "d:quarter", "n:D5", "d:quarter", "bar"]);
 * console.assert(notes.length === 2 && notes[1]?.start === 48);
 * ```
 * @throws {Problem} 422 naming the first token that cannot be read, or the empty list.
 */
export function notesFromTokens(
  tokens: readonly string[],
): { kind: TokenKind; notes: TimedNote[] } {
  if (tokens.length === 0) throw unreadableNotes("no tokens", { field: "tokens" });
  const kind = tokenKind(tokens);
  let semantic: SemanticToken[];
  if (kind === "semantic") semantic = parseAll(tokens, kind, parseToken);
  else {
    parseAll(tokens, kind, parseMelodyToken);
    try {
      semantic = melodyToSemantic(tokens);
    } catch (error) {
      throw unreadableNotes((error as Error).message, { field: "tokens", kind }, error);
    }
  }
  return { kind, notes: semanticToTimeline(semantic) };
}
