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
  /**
   * For the sheet encoder: the recognizer its training sheets were read with (`preprocess.
   * sheetModel`), which must read its queries too: another recognizer's mistakes would be new to
   * it. `sha256` is absent only where the entry does not pin one.
   */
  readonly recognizer?: { readonly name: string; readonly sha256?: string };
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
  const base = { entry, modality, spec, input: input!.name, output: output!.name };
  if (modality !== "sheet") return base;
  const pinned = preprocess.sheetModel as { name?: unknown; sha256?: unknown } | undefined;
  if (typeof pinned?.name !== "string" || pinned.name === "") {
    fail("preprocess.sheetModel.name must name the recognizer its sheets were read with");
  }
  if (pinned!.sha256 !== undefined && typeof pinned!.sha256 !== "string") {
    fail("preprocess.sheetModel.sha256 must be a string");
  }
  const recognizer = {
    name: pinned!.name as string,
    ...(pinned!.sha256 === undefined ? {} : { sha256: pinned!.sha256 as string }),
  };
  return { ...base, recognizer };
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

/**
 * The recognizer options a query of `model`'s modality is read with: for the sheet encoder the
 * recognizer it was trained on (its `recognizer`), checked against the manifest; else `served`.
 *
 * @example
 * ```ts ignore
 * const recognize = await queryRecognizer(models, sheet, config.recognize);
 * ```
 * @throws {TypeError} when the manifest's recognizer of that name is not the one the encoder pins.
 */
export async function queryRecognizer(
  models: ModelRegistry,
  model: SearchModel,
  served: { readonly model: string; readonly maxPixels: number },
): Promise<{ readonly model: string; readonly maxPixels: number }> {
  if (model.recognizer === undefined) return served;
  const { name, sha256 } = model.recognizer;
  const entry = await models.model(name);
  if (sha256 !== undefined && entry.sha256 !== sha256) {
    throw new TypeError(
      `Invalid search model "${model.entry.name}": its sheets were read by "${name}" ` +
        `${sha256.slice(0, 12)}, the manifest's "${name}" is ${entry.sha256.slice(0, 12)}`,
    );
  }
  return { model: name, maxPixels: served.maxPixels };
}
