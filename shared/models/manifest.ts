/**
 * The model manifest (`models/manifest.json`): its types and a strict parser.
 *
 * Python training jobs write the manifest; TypeScript reads it through {@linkcode parseManifest}.
 * Variants of one model (fp32, int8) are separate entries with their own `name`, file and
 * sha256; `quantization` says which kind an entry is and `variantOf` names the entry it was
 * derived from, e.g. `{ "name": "omr-int8", "quantization": "int8", "variantOf": "omr" }`.
 *
 * @module
 */

/** Element types a model input or output may have (onnxruntime's names). */
export const TENSOR_DTYPES = [
  "float32",
  "float16",
  "int8",
  "uint8",
  "int32",
  "int64",
  "bool",
] as const;
/** One of {@linkcode TENSOR_DTYPES}. */
export type TensorDtype = typeof TENSOR_DTYPES[number];

/** What a model is for. */
export const MODEL_TASKS = ["omr", "search", "generate", "classify", "test"] as const;
/** One of {@linkcode MODEL_TASKS}. */
export type ModelTask = typeof MODEL_TASKS[number];

/** How a model's weights are stored. */
export const QUANTIZATIONS = ["fp32", "fp16", "int8", "uint8"] as const;
/** One of {@linkcode QUANTIZATIONS}. */
export type Quantization = typeof QUANTIZATIONS[number];

/** A plain JSON value, for free-form sections such as `metrics`. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A free-form JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** One dimension: a fixed size, or a name for a dynamic size (e.g. `"width"`). */
export type Dim = number | string;

/** Name, element type and shape of one model input or output. */
export interface TensorSpec {
  /** The graph's own input or output name. */
  readonly name: string;
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Dimensions; strings name dynamic sizes. */
  readonly shape: readonly Dim[];
}

/** One model file and everything needed to use it. */
export interface ModelEntry {
  /** Unique key (`omr`, `omr-int8`): lower-case letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** The model's own version, e.g. `1.2.0` or a training run id. */
  readonly version: string;
  /** What the model is for. */
  readonly task: ModelTask;
  /** Path of the ONNX file relative to the manifest, with `/` separators. */
  readonly file: string;
  /** Lower-case hex sha256 of the file. */
  readonly sha256: string;
  /** File size in bytes. */
  readonly bytes: number;
  /** How the weights are stored; `fp32` when the JSON omits it. */
  readonly quantization: Quantization;
  /** Name of the entry this one was derived from (e.g. by quantization). */
  readonly variantOf?: string;
  /** The ONNX opset the file was exported with. */
  readonly opset?: number;
  /** A sentence for people. */
  readonly description?: string;
  /** The graph inputs, in order. */
  readonly inputs: readonly TensorSpec[];
  /** The graph outputs, in order. */
  readonly outputs: readonly TensorSpec[];
  /** Token lists by name (e.g. `{"semantic": ["<blank>", "clef-G2", ...]}`). */
  readonly vocabularies?: Readonly<Record<string, readonly string[]>>;
  /** Class labels, for classifiers. */
  readonly labels?: readonly string[];
  /** How inputs are prepared (height, normalisation...), free-form. */
  readonly preprocess?: JsonObject;
  /** Evaluation results, free-form. */
  readonly metrics?: JsonObject;
  /** The data recipe the model was trained on, free-form. */
  readonly data?: JsonObject;
}

/** The whole manifest. */
export interface Manifest {
  /** Format version; only 1 exists. */
  readonly version: 1;
  /** The models, names unique. */
  readonly models: readonly ModelEntry[];
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const ENTRY_KEYS = new Set([
  "name",
  "version",
  "task",
  "file",
  "sha256",
  "bytes",
  "quantization",
  "variantOf",
  "opset",
  "description",
  "inputs",
  "outputs",
  "vocabularies",
  "labels",
  "preprocess",
  "metrics",
  "data",
]);

function fail(path: string, message: string): never {
  throw new TypeError(`Invalid manifest: ${path} ${message}`);
}

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, path: string, keys?: ReadonlySet<string>): Record<string, unknown> {
  if (!isObject(value)) {
    fail(path, `must be an object, got ${Array.isArray(value) ? "array" : show(value)}`);
  }
  if (keys) {
    for (const key of Object.keys(value)) {
      if (!keys.has(key)) fail(`${path}.${key}`, "is not a known key");
    }
  }
  return value;
}

function string(
  value: unknown,
  path: string,
  pattern?: RegExp,
  what = "a non-empty string",
): string {
  if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value))) {
    fail(path, `must be ${what}, got ${show(value)}`);
  }
  return value;
}

function integer(value: unknown, path: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    fail(path, `must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
  if (!options.includes(value as T)) {
    fail(path, `must be one of ${options.join(", ")}, got ${show(value)}`);
  }
  return value as T;
}

function array(value: unknown, path: string, nonEmpty: boolean): unknown[] {
  if (!Array.isArray(value)) fail(path, `must be an array, got ${show(value)}`);
  if (nonEmpty && value.length === 0) fail(path, "must not be empty");
  return value;
}

function uniqueStrings(value: unknown, path: string): string[] {
  const items = array(value, path, true).map((item, i) => {
    if (typeof item !== "string") fail(`${path}[${i}]`, `must be a string, got ${show(item)}`);
    return item;
  });
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item)) fail(`${path}[${i}]`, `repeats ${show(item)}`);
    seen.add(item);
  });
  return items;
}

function file(value: unknown, path: string): string {
  const text = string(value, path);
  const ok = text.split("/").every((part) => FILE_SEGMENT.test(part) && part !== "..");
  if (!ok) fail(path, `must be a relative path like "omr/model.onnx", got ${show(text)}`);
  return text;
}

function tensors(value: unknown, path: string): TensorSpec[] {
  const seen = new Set<string>();
  return array(value, path, true).map((item, i) => {
    const at = `${path}[${i}]`;
    const spec = object(item, at, new Set(["name", "dtype", "shape"]));
    const name = string(spec.name, `${at}.name`);
    if (seen.has(name)) fail(`${at}.name`, `repeats ${show(name)}`);
    seen.add(name);
    const shape = array(spec.shape, `${at}.shape`, false).map((dim, d) => {
      if (typeof dim === "string" && dim !== "") return dim;
      if (typeof dim === "number" && Number.isSafeInteger(dim) && dim >= 0) return dim;
      return fail(`${at}.shape[${d}]`, `must be a size >= 0 or a dimension name, got ${show(dim)}`);
    });
    return { name, dtype: oneOf(spec.dtype, `${at}.dtype`, TENSOR_DTYPES), shape };
  });
}

function entry(value: unknown, path: string): ModelEntry {
  const raw = object(value, path, ENTRY_KEYS);
  const model: Record<string, unknown> = {
    name: string(raw.name, `${path}.name`, NAME, "lower-case letters, digits, '.', '_' or '-'"),
    version: string(raw.version, `${path}.version`),
    task: oneOf(raw.task, `${path}.task`, MODEL_TASKS),
    file: file(raw.file, `${path}.file`),
    sha256: string(raw.sha256, `${path}.sha256`, SHA256, "64 lower-case hex characters"),
    bytes: integer(raw.bytes, `${path}.bytes`, 1),
    quantization: raw.quantization === undefined
      ? "fp32"
      : oneOf(raw.quantization, `${path}.quantization`, QUANTIZATIONS),
    inputs: tensors(raw.inputs, `${path}.inputs`),
    outputs: tensors(raw.outputs, `${path}.outputs`),
  };
  if (raw.variantOf !== undefined) model.variantOf = string(raw.variantOf, `${path}.variantOf`);
  if (raw.opset !== undefined) model.opset = integer(raw.opset, `${path}.opset`, 1);
  if (raw.description !== undefined) {
    model.description = string(raw.description, `${path}.description`);
  }
  if (raw.vocabularies !== undefined) {
    const vocabularies = object(raw.vocabularies, `${path}.vocabularies`);
    model.vocabularies = Object.fromEntries(
      Object.entries(vocabularies).map((
        [key, list],
      ) => [key, uniqueStrings(list, `${path}.vocabularies.${key}`)]),
    );
  }
  if (raw.labels !== undefined) model.labels = uniqueStrings(raw.labels, `${path}.labels`);
  for (const key of ["preprocess", "metrics", "data"] as const) {
    if (raw[key] !== undefined) model[key] = object(raw[key], `${path}.${key}`);
  }
  return model as unknown as ModelEntry;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks a parsed `manifest.json` and returns it typed and frozen, with defaults filled in.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./manifest.ts";
 * const manifest = parseManifest({ version: 1, models: [] });
 * console.assert(manifest.models.length === 0);
 * ```
 * @throws {TypeError} naming the JSON path of the first problem, e.g.
 *   `Invalid manifest: models[0].sha256 must be 64 lower-case hex characters, got "abc"`.
 */
export function parseManifest(json: unknown): Manifest {
  const root = object(json, "manifest", new Set(["version", "models"]));
  if (root.version !== 1) fail("version", `must be 1, got ${show(root.version)}`);
  const models = array(root.models, "models", false).map((item, i) => entry(item, `models[${i}]`));
  const names = new Set<string>();
  models.forEach((model, i) => {
    if (names.has(model.name)) fail(`models[${i}].name`, `repeats ${show(model.name)}`);
    names.add(model.name);
  });
  models.forEach((model, i) => {
    const base = model.variantOf;
    if (base !== undefined && (base === model.name || !names.has(base))) {
      fail(`models[${i}].variantOf`, `must name another model in the manifest, got ${show(base)}`);
    }
  });
  return deepFreeze({ version: 1, models });
}

/**
 * Formats a shape for messages.
 *
 * @example
 * ```ts
 * import { formatShape } from "./manifest.ts";
 * console.assert(formatShape([1, 1, 8, "width"]) === "[1,1,8,width]");
 * ```
 */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(",")}]`;
}
