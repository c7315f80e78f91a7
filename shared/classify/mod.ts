/**
 * Genre classification: notes from tokens (melody or semantic), notation files (MusicXML, ABC)
 * or MIDI (also what search reads notes with), and {@linkcode classifyNotes}, which gives each genre's probability.
 *
 * @example
 * ```ts
 * import { notesFromTokens } from "./mod.ts";
 * const { kind, notes } = notesFromTokens(["clef-G2", "note-C5_half", "note-D5_half", "barline"]);
 * console.assert(kind === "semantic" && notes.length === 2);
 * ```
 *
 * @module
 */
export * from "./unreadable_notes.ts";
export * from "./notes_from_tokens.ts";
export * from "./notes_from_score.ts";
export * from "./notes_from_midi.ts";
export * from "./notes_from_file.ts";
export * from "./classify.ts";
