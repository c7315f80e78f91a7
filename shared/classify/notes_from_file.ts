/**
 * @module Notes of a file of notes, whatever it is: a notation file (MusicXML plain or
 * compressed, ABC, Humdrum) through Verovio, or a Standard MIDI File. The media types that
 * name each kind, and the kind read from the bytes when the sender's label is loose.
 */
import { detectScoreFormat } from "../library/score_format.ts";
import type { TimedNote } from "../music/timeline.ts";
import { notesFromMidi } from "./notes_from_midi.ts";
import { type NotationKind, notesFromScore } from "./notes_from_score.ts";

/** A file of notes: a notation format, or MIDI. */
export type NotesFileKind = NotationKind | "midi";

/** Media types of files of notes, and the kind each names. */
export const NOTES_MEDIA_TYPES: Readonly<Record<string, NotesFileKind>> = {
  "application/vnd.recordare.musicxml+xml": "musicxml",
  "application/xml": "musicxml",
  "text/xml": "musicxml",
  "application/vnd.recordare.musicxml": "mxl",
  "text/vnd.abc": "abc",
  "text/x-humdrum": "humdrum",
  "audio/midi": "midi",
  "audio/x-midi": "midi",
};

/**
 * The kind of a file of notes read from its bytes (`MThd` is MIDI; MusicXML, `.mxl`, ABC and
 * Humdrum are told apart as the library does), or `undefined` when it is none of these.
 *
 * @example
 * ```ts
 * import { sniffNotesFile } from "./notes_from_file.ts";
 * console.assert(sniffNotesFile(new TextEncoder().encode("X:1\nK:G\nGABc|\n")) === "abc");
 * console.assert(sniffNotesFile(new TextEncoder().encode("MThd")) === "midi");
 * ```
 */
export function sniffNotesFile(bytes: Uint8Array): NotesFileKind | undefined {
  if (String.fromCharCode(...bytes.subarray(0, 4)) === "MThd") return "midi";
  try {
    const { format } = detectScoreFormat(bytes);
    return format === "image" || format === "mei" ? undefined : format;
  } catch {
    return undefined; // not a score: the caller names what it accepts
  }
}

/**
 * The notes of a file of `kind`: a score's first voice, a MIDI file's skyline.
 *
 * @example
 * ```ts ignore
 * const notes = await notesFromFile(await Deno.readFile("tune.mid"), "midi");
 * ```
 * @throws {import("../problem.ts").Problem} 422 naming why the file or its notes cannot be read.
 */
export async function notesFromFile(bytes: Uint8Array, kind: NotesFileKind): Promise<TimedNote[]> {
  return kind === "midi" ? notesFromMidi(bytes) : await notesFromScore(bytes, kind);
}
