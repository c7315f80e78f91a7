/**
 * @module The generator's manifest entry read into what sampling needs, and one model step:
 * token and genre in, next-token logits and the LSTM state out.
 */
import type { ModelEntry, ModelRegistry, Tensor } from "../models/mod.ts";

/** A generator as the manifest describes it. */
export interface MelodyModel {
  /** The manifest entry. */
  readonly entry: ModelEntry;
  /** Melody tokens, index = id. */
  readonly vocabulary: readonly string[];
  /** Genre ids in label order. */
  readonly genres: readonly string[];
  /** Id of `<bos>`, the first token fed. */
  readonly bos: number;
  /** LSTM layers. */
  readonly layers: number;
  /** LSTM hidden size. */
  readonly hidden: number;
}

/**
 * Reads a `generate` entry: vocabulary `melody`, genre `labels`, and the state shape from input
 * `h` (`[layers, batch, hidden]`).
 *
 * @example
 * ```ts
 * import { melodyModel } from "./melody_model.ts";
 * import { parseManifest } from "../models/manifest.ts";
 * const manifest = parseManifest(JSON.parse(Deno.readTextFileSync("models/manifest.json")));
 * const model = melodyModel(manifest.models.find((m) => m.name === "melody-int8")!);
 * console.assert(model.vocabulary[model.bos] === "<bos>");
 * ```
 * @throws {TypeError} naming the model when the entry is not a usable generator.
 */
export function melodyModel(entry: ModelEntry): MelodyModel {
  const fail = (what: string): never => {
    throw new TypeError(`Invalid model "${entry.name}": ${what}`);
  };
  if (entry.task !== "generate") fail(`task is ${entry.task}, expected generate`);
  const vocabulary = entry.vocabularies?.melody ?? fail("no melody vocabulary");
  const genres = entry.labels ?? fail("no genre labels");
  const bosToken = entry.preprocess?.bos ?? "<bos>";
  const bos = vocabulary.indexOf(String(bosToken));
  if (bos < 0) fail(`the vocabulary lacks ${bosToken}`);
  const shape = entry.inputs.find((spec) => spec.name === "h")?.shape;
  const [layers, , hidden] = shape ?? [];
  if (typeof layers !== "number" || typeof hidden !== "number") {
    fail("input h must be [layers, batch, hidden] with fixed layers and hidden");
  }
  return { entry, vocabulary, genres, bos, layers: layers as number, hidden: hidden as number };
}

/** The LSTM state between steps. */
export interface MelodyState {
  /** Hidden state `[layers, 1, hidden]`. */
  readonly h: Float32Array;
  /** Cell state `[layers, 1, hidden]`. */
  readonly c: Float32Array;
}

/**
 * The zero state a line starts from.
 *
 * @example
 * ```ts
 * import { zeroState } from "./melody_model.ts";
 * console.assert(zeroState({ layers: 2, hidden: 4 }).h.length === 8);
 * ```
 */
export function zeroState(model: Pick<MelodyModel, "layers" | "hidden">): MelodyState {
  const size = model.layers * model.hidden;
  return { h: new Float32Array(size), c: new Float32Array(size) };
}

/**
 * Runs one step: feeds `token` for `genre` (label index) from `state`, returns the logits over
 * the vocabulary and the next state.
 *
 * @example
 * ```ts ignore
 * const { logits, state } = await melodyStep(models, model, model.bos, 0, zeroState(model));
 * ```
 */
export async function melodyStep(
  models: ModelRegistry,
  model: MelodyModel,
  token: number,
  genre: number,
  state: MelodyState,
  signal?: AbortSignal,
): Promise<{ logits: Float32Array; state: MelodyState }> {
  const dims = [model.layers, 1, model.hidden];
  const feeds: Record<string, Tensor> = {
    token: { dtype: "int64", dims: [1], data: BigInt64Array.of(BigInt(token)) },
    genre: { dtype: "int64", dims: [1], data: BigInt64Array.of(BigInt(genre)) },
    h: { dtype: "float32", dims, data: state.h },
    c: { dtype: "float32", dims, data: state.c },
  };
  const out = await models.run(model.entry.name, feeds, { signal });
  return {
    logits: out.logits!.data as Float32Array,
    state: { h: out.h_out!.data as Float32Array, c: out.c_out!.data as Float32Array },
  };
}
