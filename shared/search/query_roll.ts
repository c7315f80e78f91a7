/**
 * @module A query drawn as the roll its modality's encoder takes, made exactly as the search
 * model's training data was (models/data/search.ts): notes as they sound, a recording's
 * spectrum, and a sheet's notes as the recognizer reads them (greedy decoding).
 */
import type { ModelRegistry } from "../models/mod.ts";
import type { TimedNote } from "../music/timeline.ts";
import { Problem } from "../problem.ts";
import { recognizeStaff } from "../recognize.ts";
import { audioRoll, notesRoll, type Roll, type RollSpec } from "./roll.ts";
import type { SearchQuery } from "./search_query.ts";
import { tolerantNotes } from "./tolerant_notes.ts";

/** Options of {@linkcode queryRoll}. */
export interface QueryRollOptions {
  /** The recognizer for sheets: its manifest name and the largest image it decodes. */
  readonly recognize: { readonly model: string; readonly maxPixels: number };
  /** Cancels recognition. */
  readonly signal?: AbortSignal;
}

/** The roll of notes, or a 422 saying `detail` when none of them sounds. */
function rollOfNotes(
  notes: readonly TimedNote[],
  spec: RollSpec,
  detail: string,
  field: string,
): Roll {
  if (!notes.some((n) => n.ticks > 0)) {
    throw new Problem(422, detail, { slug: "unreadable-notes", extensions: { field } });
  }
  return notesRoll(notes, spec);
}

/**
 * The roll of `query` on `spec` (its modality's encoder's grid).
 *
 * @example
 * ```ts
 * import { queryRoll } from "./query_roll.ts";
 * import { tokensQuery } from "./search_query.ts";
 * import { ModelRegistry } from "../models/mod.ts";
 * import { LocalObjectStore } from "../storage/mod.ts";
 * const models = new ModelRegistry({ source: new LocalObjectStore("tests/fixtures/models"), onnx: { backend: "web" } });
 * const query = tokensQuery(["clef-G2", "note-C5_half", "note-D5_half"]);
 * const roll = await queryRoll(models, query, { lowPitch: 72, pitches: 3, frames: 2 }, { recognize: { model: "omr", maxPixels: 1e6 } });
 * console.assert(roll.join() === "1,0,0,0,0,1");
 * ```
 * @throws {Problem} 422 for notes that do not sound, silent or too short audio, or an image from
 * which no notes are read (and recognition's own 413 and 422).
 */
export async function queryRoll(
  models: ModelRegistry,
  query: SearchQuery,
  spec: RollSpec,
  options: QueryRollOptions,
): Promise<Roll> {
  if (query.modality === "notes") {
    return rollOfNotes(query.notes, spec, "Unreadable notes: none of them sounds", "notes");
  }
  if (query.modality === "audio") {
    try {
      return audioRoll(query.audio, spec);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new Problem(422, `Unreadable audio: ${error.message}`, {
        slug: "unreadable-audio",
        extensions: { field: "file" },
        cause: error,
      });
    }
  }
  const read = await recognizeStaff(query.image, models, {
    model: options.recognize.model,
    decoder: "greedy",
    beamWidth: 1,
    maxPixels: options.recognize.maxPixels,
    signal: options.signal,
  });
  const tokens = read.semantic?.tokens.map((t) => t.token) ?? [];
  const detail = `No notes read from the image: the recognizer read ${tokens.length} token(s), ` +
    "none a sounding note";
  return rollOfNotes(tolerantNotes(tokens), spec, detail, "file");
}
