/**
 * @module Genre probabilities of a piece: its notes rasterised into piano-roll windows as the
 * classifier's manifest entry says, each window softmaxed, the mean over windows.
 */
import type { ModelEntry, ModelRegistry } from "../models/mod.ts";
import { type PianoRollSpec, pianoRollWindows } from "../music/piano_roll.ts";
import type { TimedNote } from "../music/timeline.ts";
import { Problem } from "../problem.ts";
import { unreadableNotes } from "./unreadable_notes.ts";

/** A classifier as the manifest describes it. */
export interface GenreModel {
  /** The manifest entry. */
  readonly entry: ModelEntry;
  /** Genre ids in the order of the logits. */
  readonly genres: readonly string[];
  /** The piano-roll grid it was trained on. */
  readonly spec: PianoRollSpec;
}

/**
 * Reads a `classify` entry: genre `labels` and the piano-roll grid from `preprocess`.
 *
 * @example
 * ```ts
 * import { genreModel } from "./classify.ts";
 * import { parseManifest } from "../models/manifest.ts";
 * const entry = parseManifest({ version: 1, models: [{
 *   name: "genre", version: "1", task: "classify", file: "gen/genre.onnx", sha256: "0".repeat(64),
 *   bytes: 1, inputs: [{ name: "roll", dtype: "float32", shape: ["batch", 2, 73, 128] }],
 *   outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 2] }], labels: ["a", "b"],
 *   preprocess: { lowPitch: 28, pitches: 73, stepTicks: 12, steps: 128, hop: 64 },
 * }] }).models[0]!;
 * console.assert(genreModel(entry).spec.steps === 128);
 * ```
 * @throws {TypeError} naming the model when the entry is not a usable classifier.
 */
export function genreModel(entry: ModelEntry): GenreModel {
  const fail = (what: string): never => {
    throw new TypeError(`Invalid model "${entry.name}": ${what}`);
  };
  if (entry.task !== "classify") fail(`task is ${entry.task}, expected classify`);
  const genres = entry.labels ?? fail("no genre labels");
  const preprocess = entry.preprocess ?? {};
  const read = (key: keyof PianoRollSpec) => {
    const value = preprocess[key];
    return typeof value === "number" && Number.isInteger(value) && value > 0
      ? value
      : fail(`preprocess.${key} must be a positive integer`);
  };
  const spec = {
    lowPitch: read("lowPitch"),
    pitches: read("pitches"),
    stepTicks: read("stepTicks"),
    steps: read("steps"),
    hop: read("hop"),
  };
  return { entry, genres, spec };
}

/** One genre's probability. */
export interface GenreProbability {
  /** The genre id. */
  readonly genre: string;
  /** Mean over the windows of the softmax, in [0, 1]. */
  readonly probability: number;
}

/** What {@linkcode classifyNotes} answers. */
export interface Classification {
  /** Every genre, most probable first. */
  readonly genres: GenreProbability[];
  /** The most probable genre. */
  readonly best: string;
  /** Piano-roll windows the piece filled. */
  readonly windows: number;
  /** Notes classified. */
  readonly notes: number;
  /** The model that answered. */
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  /** Milliseconds loading the session (0 when cached), rasterising and running the model. */
  readonly timing: {
    readonly loadMs: number;
    readonly rollMs: number;
    readonly inferenceMs: number;
  };
}

/** Options of {@linkcode classifyNotes}. */
export interface ClassifyOptions {
  /** Manifest name of the classifier. */
  readonly model: string;
  /** Most windows one piece may fill. */
  readonly maxWindows: number;
  /** Cancels inference. */
  readonly signal?: AbortSignal;
}

/** Windows run in one batch. */
const BATCH = 32;
const round = (ms: number) => Math.round(ms * 10) / 10;

/** Windows `pianoRollWindows` makes of notes ending at `end` ticks. */
function windowCount(end: number, spec: PianoRollSpec): number {
  const total = Math.max(1, Math.ceil(end / spec.stepTicks));
  return total > spec.steps ? Math.ceil((total - spec.steps) / spec.hop) + 1 : 1;
}

/**
 * The genre probabilities of `notes` under the registry's classifier.
 *
 * @example
 * ```ts ignore
 * const result = await classifyNotes(models, [{ pitch: 72, start: 0, ticks: 48 }], { model: "genre", maxWindows: 512 });
 * console.log(result.best);
 * ```
 * @throws {Problem} 422 when there are no notes, 413 when the piece fills more than `maxWindows`.
 */
export async function classifyNotes(
  models: ModelRegistry,
  notes: readonly TimedNote[],
  options: ClassifyOptions,
): Promise<Classification> {
  const model = genreModel(await models.model(options.model));
  if (notes.length === 0) throw unreadableNotes("there are no notes", { field: "notes" });
  const end = notes.reduce((e, n) => Math.max(e, n.start + n.ticks), 0);
  const count = windowCount(end, model.spec);
  if (count > options.maxWindows) {
    throw new Problem(
      413,
      `Piece too long: ${count} windows of notes, the limit is ${options.maxWindows}`,
      {
        slug: "piece-too-long",
        extensions: { field: "notes", windows: count, limit: options.maxWindows },
      },
    );
  }
  const tLoad = performance.now();
  await models.session(model.entry.name);
  const t0 = performance.now();
  const { windows, data } = pianoRollWindows(notes, model.spec);
  const t1 = performance.now();
  const { pitches, steps } = model.spec;
  const size = 2 * pitches * steps;
  const genres = model.genres.length;
  const sum = new Float64Array(genres);
  for (let first = 0; first < windows; first += BATCH) {
    const batch = Math.min(BATCH, windows - first);
    const roll = {
      dtype: "float32",
      dims: [batch, 2, pitches, steps],
      data: data.subarray(first * size, (first + batch) * size),
    } as const;
    const out = await models.run(model.entry.name, { roll }, { signal: options.signal });
    const logits = out.logits!.data as Float32Array;
    for (let w = 0; w < batch; w++) {
      const row = logits.subarray(w * genres, (w + 1) * genres);
      const max = Math.max(...row);
      const exps = Array.from(row, (v) => Math.exp(v - max));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, g) => sum[g]! += e / total);
    }
  }
  const t2 = performance.now();
  const ranked = model.genres
    .map((genre, g) => ({ genre, probability: sum[g]! / windows }))
    .sort((a, b) => b.probability - a.probability);
  return {
    genres: ranked,
    best: ranked[0]!.genre,
    windows,
    notes: notes.length,
    model: { name: model.entry.name, version: model.entry.version, sha256: model.entry.sha256 },
    timing: { loadMs: round(t0 - tLoad), rollMs: round(t1 - t0), inferenceMs: round(t2 - t1) },
  };
}
