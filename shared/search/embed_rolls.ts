/**
 * @module Rolls to embeddings: batches of rolls through a search encoder on the model registry.
 */
import type { ModelRegistry } from "../models/mod.ts";
import type { Roll } from "./roll.ts";
import { EMBEDDING_DIM, type SearchModel } from "./search_model.ts";

/** Rolls run in one batch: a score's excerpts, a few at a time. */
export const EMBED_BATCH = 64;

/** Options of {@linkcode embedRolls}. */
export interface EmbedOptions {
  /** Cancels inference. */
  readonly signal?: AbortSignal;
}

/**
 * The embedding of each roll under `model`, in order: {@linkcode EMBEDDING_DIM} values each,
 * L2-normalised by the model.
 *
 * @example
 * ```ts ignore
 * const notes = await loadSearchModel(models, "search-notes", "notes");
 * const [embedding] = await embedRolls(models, notes, [notesRoll(line, notes.spec)]);
 * ```
 * @throws {RangeError} when a roll is not the size of the model's grid.
 */
export async function embedRolls(
  models: ModelRegistry,
  model: SearchModel,
  rolls: readonly Roll[],
  options: EmbedOptions = {},
): Promise<Float32Array[]> {
  const width = model.spec.frames * model.spec.pitches;
  rolls.forEach((roll, i) => {
    if (roll.length !== width) {
      throw new RangeError(`Invalid roll ${i}: ${roll.length} values, the model takes ${width}`);
    }
  });
  const out: Float32Array[] = [];
  for (let first = 0; first < rolls.length; first += EMBED_BATCH) {
    const batch = rolls.slice(first, first + EMBED_BATCH);
    const data = new Float32Array(batch.length * width); // (B, frames * pitches)
    batch.forEach((roll, i) => data.set(roll, i * width));
    const feeds = {
      [model.input]: { dtype: "float32", dims: [batch.length, width], data } as const,
    };
    const result = await models.run(model.entry.name, feeds, { signal: options.signal });
    const embeddings = result[model.output]!.data as Float32Array; // (B, EMBEDDING_DIM)
    for (let i = 0; i < batch.length; i++) {
      out.push(embeddings.slice(i * EMBEDDING_DIM, (i + 1) * EMBEDDING_DIM));
    }
  }
  return out;
}
