/**
 * @module Excerpts to embeddings: each excerpt's semantic tokens as notes, drawn as its notes
 * encoder's roll and embedded, as the library indexes them.
 */
import type { ModelRegistry } from "../models/mod.ts";
import { type EmbedOptions, embedRolls } from "./embed_rolls.ts";
import { notesRoll, type Roll } from "./roll.ts";
import type { SearchModel } from "./search_model.ts";
import { tolerantNotes } from "./tolerant_notes.ts";

/**
 * The embedding of each excerpt (its semantic tokens) under the notes encoder `model`, in order;
 * `null` for an excerpt in which no note sounds (only grace notes), which nothing can match.
 *
 * @example
 * ```ts ignore
 * const notes = await loadSearchModel(models, "search-notes", "notes");
 * const [embedding] = await embedExcerpts(models, notes, [["clef-G2", "note-C5_whole"]]);
 * ```
 */
export async function embedExcerpts(
  models: ModelRegistry,
  model: SearchModel,
  excerpts: readonly (readonly string[])[],
  options: EmbedOptions = {},
): Promise<(Float32Array | null)[]> {
  const rolls: (Roll | null)[] = excerpts.map((tokens) => {
    const notes = tolerantNotes(tokens);
    return notes.some((n) => n.ticks > 0) ? notesRoll(notes, model.spec) : null;
  });
  const embedded = await embedRolls(models, model, rolls.filter((r) => r !== null), options);
  let next = 0;
  return rolls.map((roll) => roll === null ? null : embedded[next++]!);
}
