/**
 * @module The generator's manifest entry read into what sampling needs, and one model step:
 * token and genre in, next-token logits and the LSTM state out.
 */
import type { ModelEntry, ModelRegistry, Tensor } from "../models/mod.ts";
import { MAX_GUIDANCE } from "./guidance.ts";

/** A generator as the manifest describes it. */
export interface MelodyModel {
  /** The manifest entry. */
  readonly entry: ModelEntry;
  /** Melody tokens, index = id. */
  readonly vocabulary: readonly string[];
  /** Genre ids in label order. */
  readonly genres: readonly string[];
  /** Each genre's default guidance weight (label order), 0 where the manifest records none. */
  readonly guidance: readonly number[];
  /** Id of `<bos>`, the first token fed. */
  readonly bos: number;
  /** LSTM layers. */
  readonly layers: number;
  /** LSTM hidden size. */
  readonly hidden: number;
}

/**
 * Reads a `generate` entry: vocabulary `melody`, genre `labels`, each genre's default guidance
 * (`preprocess.genres[].guidance`, calibrated by `deno task calibrate:gen`), and the state shape
 * from input `h` (`[layers, batch, hidden]`).
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
  const described = Array.isArray(entry.preprocess?.genres) ? entry.preprocess.genres : [];
  const guidance = genres.map((id) => {
    const genre = described.find((g) =>
      typeof g === "object" && g !== null && "id" in g && g.id === id
    );
    const weight = (genre as { guidance?: unknown } | undefined)?.guidance ?? 0;
    if (typeof weight !== "number" || !(weight >= 0 && weight <= MAX_GUIDANCE)) {
      fail(`genre ${id}'s guidance ${JSON.stringify(weight)} is not in [0, ${MAX_GUIDANCE}]`);
    }
    return weight as number;
  });
  const shape = entry.inputs.find((spec) => spec.name === "h")?.shape;
  const [layers, , hidden] = shape ?? [];
  if (typeof layers !== "number" || typeof hidden !== "number") {
    fail("input h must be [layers, batch, hidden] with fixed layers and hidden");
  }
  return {
    entry,
    vocabulary,
    genres,
    guidance,
    bos,
    layers: layers as number,
    hidden: hidden as number,
  };
}

/** The LSTM state of a batch of lines between steps. */
export interface MelodyState {
  /** Lines stepped together. */
  readonly batch: number;
  /** Hidden state `[layers, batch, hidden]`. */
  readonly h: Float32Array;
  /** Cell state `[layers, batch, hidden]`. */
  readonly c: Float32Array;
}

/**
 * The zero state `batch` lines start from.
 *
 * @example
 * ```ts
 * import { zeroState } from "./melody_model.ts";
 * console.assert(zeroState({ layers: 2, hidden: 4 }, 3).h.length === 24);
 * ```
 */
export function zeroState(
  model: Pick<MelodyModel, "layers" | "hidden">,
  batch = 1,
): MelodyState {
  const size = model.layers * batch * model.hidden;
  return { batch, h: new Float32Array(size), c: new Float32Array(size) };
}

/**
 * Runs one step of a batch of lines: feeds `tokens[b]` for `genres[b]` (label index) from
 * `state`, returns the logits (`[batch, vocabulary]`, row-major) and the next state.
 *
 * @example
 * ```ts ignore
 * const { logits, state } = await melodyStep(models, model, [model.bos], [0], zeroState(model));
 * ```
 * @throws {RangeError} when the tokens, genres and state disagree on the batch.
 */
export async function melodyStep(
  models: ModelRegistry,
  model: MelodyModel,
  tokens: readonly number[],
  genres: readonly number[],
  state: MelodyState,
  signal?: AbortSignal,
): Promise<{ logits: Float32Array; state: MelodyState }> {
  const batch = state.batch;
  if (tokens.length !== batch || genres.length !== batch) {
    throw new RangeError(
      `A step of ${batch} lines needs ${batch} tokens and genres, got ${tokens.length} and ` +
        `${genres.length}`,
    );
  }
  const dims = [model.layers, batch, model.hidden];
  const ids = (xs: readonly number[]) => BigInt64Array.from(xs, (x) => BigInt(x));
  const feeds: Record<string, Tensor> = {
    token: { dtype: "int64", dims: [batch], data: ids(tokens) },
    genre: { dtype: "int64", dims: [batch], data: ids(genres) },
    h: { dtype: "float32", dims, data: state.h },
    c: { dtype: "float32", dims, data: state.c },
  };
  const out = await models.run(model.entry.name, feeds, { signal });
  return {
    logits: out.logits!.data as Float32Array,
    state: { batch, h: out.h_out!.data as Float32Array, c: out.c_out!.data as Float32Array },
  };
}
