/**
 * @module Notes of a notation file (MusicXML, compressed MusicXML, ABC, Humdrum) through Verovio: the first
 * voice of its MEI (top staff, first layer), as semantic tokens, on a time line.
 */
import { decodeScoreText } from "../library/score_format.ts";
import { readMeiVoices } from "../music/mei_reader.ts";
import { voiceToSemantic } from "../music/mei_to_semantic.ts";
import { semanticToTimeline, type TimedNote } from "../music/timeline.ts";
import { sharedVerovio, VerovioError } from "../music/verovio.ts";
import { unreadableNotes } from "./unreadable_notes.ts";

/** The notation formats classification reads. */
export type NotationKind = "musicxml" | "mxl" | "abc" | "humdrum";

/**
 * An ABC file's file header and first tune: Verovio reads one tune, and a collection's first is
 * the one classified.
 *
 * @example
 * ```ts
 * import { firstAbcTune } from "./notes_from_score.ts";
 * const tune = firstAbcTune("X:1\nT:One\nK:G\nGABc|\n\nX:2\nT:Two\nK:D\nDEFG|\n");
 * console.assert(tune.includes("T:One") && !tune.includes("T:Two"));
 * ```
 */
export function firstAbcTune(text: string): string {
  const second = [...text.matchAll(/^X:/gm)][1]?.index;
  return second === undefined ? text : text.slice(0, second);
}

/** The MEI of the file, or a 422 saying why Verovio refused it. */
async function toMei(bytes: Uint8Array, kind: NotationKind): Promise<string> {
  let data: string | Uint8Array = bytes;
  if (kind !== "mxl") {
    const text = decodeScoreText(bytes);
    if (text === undefined) {
      throw unreadableNotes(`the ${kind} body is not UTF-8 or UTF-16 text`, { field: "body" });
    }
    // The declaration must agree with the (now UTF-8) text Verovio receives.
    data = kind === "abc"
      ? firstAbcTune(text)
      : text.replace(/^(\s*<\?xml[^>]*?encoding=)["'][^"']*["']/, "$1'UTF-8'");
  }
  try {
    return await (await sharedVerovio()).toMei(data, kind);
  } catch (error) {
    if (!(error instanceof VerovioError)) throw error;
    throw unreadableNotes(error.message, { field: "body", format: kind }, error);
  }
}

/**
 * The notes of the first voice of a MusicXML, compressed MusicXML, ABC or Humdrum file.
 *
 * @example
 * ```ts ignore
 * const notes = await notesFromScore(new TextEncoder().encode("X:1\nK:C\nCDEF|\n"), "abc");
 * ```
 * @throws {Problem} 422 naming why the file or its first voice cannot be read, or that it has
 * no notes.
 */
export async function notesFromScore(bytes: Uint8Array, kind: NotationKind): Promise<TimedNote[]> {
  if (bytes.byteLength === 0) throw unreadableNotes(`the ${kind} body is empty`, { field: "body" });
  const mei = await toMei(bytes, kind);
  let notes: TimedNote[];
  try {
    const voice = readMeiVoices(mei)[0];
    if (voice === undefined) throw new SyntaxError("it has no staff");
    notes = semanticToTimeline(voiceToSemantic(voice));
  } catch (error) {
    throw unreadableNotes(
      `the first voice of the ${kind} file: ${(error as Error).message}`,
      { field: "body", format: kind },
      error,
    );
  }
  if (notes.length === 0) {
    throw unreadableNotes(`the first voice of the ${kind} file has no notes`, {
      field: "body",
      format: kind,
    });
  }
  return notes;
}
