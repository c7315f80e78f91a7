/**
 * Staff recognition, end to end and without HTTP: image bytes in; PrIMuS semantic and agnostic
 * tokens with confidences, timings and the model's identity out. Both the service and the
 * browser run this one code path.
 *
 * @module
 */
import { decodeBeam, type Decoded, decodeGreedy, type FrameScores } from "./ctc_decode.ts";
import { decodeImage } from "./image/decode_image.ts";
import type { GrayImage } from "./image/gray_image.ts";
import { prepareStaff, type StaffFraming } from "./image/staff_image.ts";
import type { ModelEntry, ModelRegistry, Tensor } from "./models/mod.ts";

/** How to decode the model's per-frame scores. */
export type DecoderKind = "greedy" | "beam";

/** Options of {@linkcode recognizeStaff}. */
export interface RecognizeOptions {
  /** Manifest name of the model; its `task` must be `omr`. */
  readonly model: string;
  /** `greedy` (fastest) or `beam` (prefix beam search). */
  readonly decoder: DecoderKind;
  /** Beam width for the beam decoder. */
  readonly beamWidth: number;
  /** Largest image (width x height) decoded. */
  readonly maxPixels: number;
  /** Cancels inference. */
  readonly signal?: AbortSignal;
}

/** One recognized token. */
export interface RecognizedToken {
  /** The PrIMuS token, e.g. `note-F#5_quarter` or `note.quarter-S4`. */
  readonly token: string;
  /** The model's posterior for it over its frames, in [0, 1]. */
  readonly confidence: number;
}

/** One head's result. */
export interface HeadResult {
  /** The tokens in reading order. */
  readonly tokens: readonly RecognizedToken[];
  /** P(this whole sequence | image) under the model. */
  readonly confidence: number;
}

/** What {@linkcode recognizeStaff} returns. */
export interface Recognition {
  /** Semantic tokens (pitch and duration), when the model has that head. */
  readonly semantic?: HeadResult;
  /** Agnostic tokens (glyph and staff position), when the model has that head. */
  readonly agnostic?: HeadResult;
  /** Milliseconds spent in each stage. */
  readonly timing: {
    readonly decodeMs: number;
    readonly preprocessMs: number;
    readonly inferenceMs: number;
    readonly ctcMs: number;
  };
  /** The model that answered. */
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  /** What preprocessing found: the rotation undone, the input width, and whether the staff's
   * lines were located (else the image was read whole as a tight staff crop). */
  readonly staff: {
    readonly skewDegrees: number;
    readonly width: number;
    readonly located: boolean;
  };
}

/** Framing used when a manifest does not record the one its training data had. */
const DEFAULT_FRAMING = {
  staffFraction: 0.2,
  staffCentre: 0.5,
  maxWidth: 4096,
  contrast: "none",
} as const;

/** The staff framing a model entry was trained with. */
export function framingOf(entry: ModelEntry): StaffFraming {
  const preprocess = (entry.preprocess ?? {}) as Record<string, unknown>;
  const number = (key: string, fallback: number) =>
    typeof preprocess[key] === "number" ? preprocess[key] as number : fallback;
  const height = entry.inputs[0]?.shape[2];
  if (typeof height !== "number") {
    throw new TypeError(`Invalid model "${entry.name}": input height must be a fixed size`);
  }
  const contrast = preprocess.contrast ?? DEFAULT_FRAMING.contrast;
  if (contrast !== "none" && contrast !== "stretch") {
    throw new TypeError(
      `Invalid model "${entry.name}": preprocess.contrast must be none or stretch, got ${contrast}`,
    );
  }
  return {
    height,
    contrast,
    staffFraction: number("staffFraction", DEFAULT_FRAMING.staffFraction),
    staffCentre: number("staffCentre", DEFAULT_FRAMING.staffCentre),
    maxWidth: number("maxWidth", DEFAULT_FRAMING.maxWidth),
  };
}

/** The model input for a prepared staff: ink 1, paper 0, shape [1, 1, H, W]. */
export function staffTensor(image: GrayImage): Tensor {
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (255 - image.data[i]!) / 255;
  return { dtype: "float32", dims: [1, 1, image.height, image.width], data };
}

function headResult(decoded: Decoded, vocabulary: readonly string[]): HeadResult {
  return {
    tokens: decoded.tokens.map((index, i) => ({
      token: vocabulary[index] ?? `<${index}>`,
      confidence: decoded.confidences[i]!,
    })),
    confidence: decoded.confidence,
  };
}

/**
 * Recognizes the staff in `bytes` (PNG, JPEG or WebP) with the registry's model.
 *
 * @throws {import("./image/image_header.ts").ImageFormatError} for unreadable images.
 * @throws {import("./problem.ts").Problem} 413 for too many pixels, 422 when no staff is found.
 */
export async function recognizeStaff(
  bytes: Uint8Array,
  models: ModelRegistry,
  options: RecognizeOptions,
): Promise<Recognition> {
  const t0 = performance.now();
  const gray = await decodeImage(bytes, { maxPixels: options.maxPixels });
  const decodeMs = performance.now() - t0;
  const result = await recognizeStaffImage(gray, models, options);
  return { ...result, timing: { ...result.timing, decodeMs: round(decodeMs) } };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The registry's entry for `name`, checked to be an OMR model. */
export async function omrModel(models: ModelRegistry, name: string): Promise<ModelEntry> {
  const entry = await models.model(name);
  if (entry.task !== "omr") {
    throw new TypeError(`Invalid model "${entry.name}": task is ${entry.task}, expected omr`);
  }
  return entry;
}

/**
 * Recognizes the staff in an already decoded image (its `decodeMs` is 0).
 *
 * @throws {import("./problem.ts").Problem} 422 when no staff is found.
 */
export async function recognizeStaffImage(
  gray: GrayImage,
  models: ModelRegistry,
  options: Omit<RecognizeOptions, "maxPixels">,
): Promise<Recognition> {
  const entry = await omrModel(models, options.model);
  const t1 = performance.now();
  const prepared = prepareStaff(gray, framingOf(entry));
  const t2 = performance.now();
  const outputs = await models.run(entry.name, { image: staffTensor(prepared.image) }, {
    signal: options.signal,
  });
  const t3 = performance.now();
  const heads: Record<string, HeadResult> = {};
  for (const spec of entry.outputs) {
    const vocabulary = entry.vocabularies?.[spec.name];
    const output = outputs[spec.name];
    if (vocabulary === undefined || output === undefined) continue;
    // Output layout [frames, batch = 1, classes] of log-probabilities, blank first.
    const [frames, , classes] = output.dims as [number, number, number];
    const scores: FrameScores = { data: output.data as Float32Array, frames, classes };
    const decoded = options.decoder === "beam"
      ? decodeBeam(scores, { beamWidth: options.beamWidth })
      : decodeGreedy(scores);
    heads[spec.name] = headResult(decoded, vocabulary);
  }
  const t4 = performance.now();
  return {
    semantic: heads.semantic,
    agnostic: heads.agnostic,
    timing: {
      decodeMs: 0,
      preprocessMs: round(t2 - t1),
      inferenceMs: round(t3 - t2),
      ctcMs: round(t4 - t3),
    },
    model: { name: entry.name, version: entry.version, sha256: entry.sha256 },
    staff: {
      skewDegrees: prepared.skewDegrees,
      width: prepared.image.width,
      located: prepared.staff !== null,
    },
  };
}
