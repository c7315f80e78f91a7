/**
 * @module The search encoders as the manifest describes them: one model per modality (notes,
 * audio, sheet), each taking the roll its entry's `preprocess` defines and answering an
 * L2-normalised embedding in the space all three share.
 */
import type { ModelEntry, ModelRegistry } from "../models/mod.ts";
import type { RollSpec } from "./roll.ts";

/** What a query or an excerpt is: typed or parsed notes, a recording, or an image of a staff. */
export type SearchModality = "notes" | "audio" | "sheet";

/** The modalities, in the order the API lists them. */
export const SEARCH_MODALITIES: readonly SearchModality[] = ["notes", "audio", "sheet"];

/** The size of the embeddings the database stores (`vector(128)`, migrations/0005_search.sql). */
export const EMBEDDING_DIM = 128;

/** A search encoder: its manifest entry and what its `preprocess` says. */
export interface SearchModel {
  /** The manifest entry. */
  readonly entry: ModelEntry;
  /** The modality it encodes. */
  readonly modality: SearchModality;
  /** The roll it takes. */
  readonly spec: RollSpec;
  /** The name of its input (`roll`) and output (`embedding`). */
  readonly input: string;
  /** The name of its output. */
  readonly output: string;
}

/**
 * Reads a `search` entry for `modality`: the roll grid from `preprocess` (`lowPitch`, `pitches`,
 * `frames`), an input of `frames * pitches` values and an output of {@linkcode EMBEDDING_DIM}.
 *
 * @example
 * ```ts
 * import { searchModel } from "./search_model.ts";
 * import { parseManifest } from "../models/manifest.ts";
 * const entry = parseManifest({ version: 1, models: [{
 *   name: "search-notes", version: "1", task: "search", file: "s.onnx", sha256: "0".repeat(64),
 *   bytes: 1, inputs: [{ name: "roll", dtype: "float32", shape: ["batch", 6] }],
 *   outputs: [{ name: "embedding", dtype: "float32", shape: ["batch", 128] }],
 *   preprocess: { modality: "notes", lowPitch: 60, pitches: 3, frames: 2 },
 * }] }).models[0]!;
 * console.assert(searchModel(entry, "notes").spec.frames === 2);
 * ```
 * @throws {TypeError} naming the model when the entry is not a usable encoder for `modality`.
 */
export function searchModel(entry: ModelEntry, modality: SearchModality): SearchModel {
  const fail = (what: string): never => {
    throw new TypeError(`Invalid search model "${entry.name}": ${what}`);
  };
  if (entry.task !== "search") fail(`task is ${entry.task}, expected search`);
  const preprocess = entry.preprocess ?? {};
  if (preprocess.modality !== modality) {
    fail(`preprocess.modality is ${JSON.stringify(preprocess.modality)}, expected "${modality}"`);
  }
  const read = (key: keyof RollSpec, min: number) => {
    const value = preprocess[key];
    return typeof value === "number" && Number.isInteger(value) && value >= min
      ? value
      : fail(`preprocess.${key} must be an integer >= ${min}`);
  };
  const spec = {
    lowPitch: read("lowPitch", 0),
    pitches: read("pitches", 1),
    frames: read("frames", 1),
  };
  const [input] = entry.inputs;
  const [output] = entry.outputs;
  if (input === undefined || input.shape.length !== 2 || input.dtype !== "float32") {
    fail("expected one float32 input of shape [batch, frames * pitches]");
  }
  const width = input!.shape[1];
  if (width !== spec.frames * spec.pitches) {
    fail(`its input has ${width} values a row, the roll ${spec.frames * spec.pitches}`);
  }
  if (output === undefined || output.shape.length !== 2 || output.shape[1] !== EMBEDDING_DIM) {
    fail(`expected an output of shape [batch, ${EMBEDDING_DIM}]`);
  }
  return { entry, modality, spec, input: input!.name, output: output!.name };
}

/**
 * The encoder named `name` in the registry's manifest, checked for `modality`.
 *
 * @example
 * ```ts ignore
 * const notes = await loadSearchModel(models, "search-notes", "notes");
 * ```
 * @throws {import("../models/mod.ts").ModelNotFoundError} when the manifest has no such model.
 * @throws {TypeError} when it is not a search encoder for `modality`.
 */
export async function loadSearchModel(
  models: ModelRegistry,
  name: string,
  modality: SearchModality,
): Promise<SearchModel> {
  return searchModel(await models.model(name), modality);
}
