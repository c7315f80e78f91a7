/**
 * @module The one problem of classification input: notes that cannot be read.
 */
import { Problem } from "../problem.ts";

/**
 * A 422 problem: the input is of a kind classification reads, but its notes cannot be read.
 * `extensions` names what failed (e.g. `{ field: "tokens", index: 3 }`).
 *
 * @example
 * ```ts
 * import { unreadableNotes } from "./unreadable_notes.ts";
 * const problem = unreadableNotes("the MIDI file has no notes", { field: "body" });
 * console.assert(problem.status === 422 && problem.extensions.field === "body");
 * ```
 */
export function unreadableNotes(
  detail: string,
  extensions: Record<string, unknown>,
  cause?: unknown,
): Problem {
  return new Problem(422, `Unreadable notes: ${detail}`, {
    slug: "unreadable-notes",
    extensions,
    cause,
  });
}
