/**
 * The one module that imports onnxruntime: sessions from bytes on the `web` (WASM, WebGPU) or
 * `node` (N-API) backend, behind a small backend-neutral API of plain typed arrays.
 *
 * Both packages are imported lazily on first use, so importing this module sets no globals and
 * the web path never loads the native addon. The WASM files load from `node_modules`.
 *
 * @module
 */

import { abortable } from "../abortable.ts";
import type { OnnxBackend } from "../config.ts";
import { type Dim, formatShape, type TensorDtype, type TensorSpec } from "./manifest.ts";

/** The backends {@linkcode createSession} supports. */
export const ONNX_BACKENDS: readonly OnnxBackend[] = ["web", "node"];

/** Typed arrays that hold tensor data (`bool` as `Uint8Array`, `float16` as `Uint16Array`). */
export type TensorData =
  | Float32Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int32Array
  | BigInt64Array;

/** A tensor as plain data: element type, dimensions and a typed array in row-major order. */
export interface Tensor {
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Dimensions; their product is `data.length`. */
  readonly dims: readonly number[];
  /** The elements. */
  readonly data: TensorData;
}

/** Inputs or outputs by name. */
export type Tensors = Readonly<Record<string, Tensor>>;

/** How to create a session. */
export interface SessionOptions {
  /** `web` (WASM, the default elsewhere) or `node` (N-API addon). */
  readonly backend: OnnxBackend;
  /** Intra-op threads (WASM threads on `web`); 1 when omitted. */
  readonly threads?: number;
  /** Use WebGPU on `web` when `navigator.gpu` exists. */
  readonly webgpu?: boolean;
  /** Expected inputs (from the manifest); the model's own metadata when omitted. */
  readonly inputs?: readonly TensorSpec[];
  /** Expected outputs (from the manifest); checked by name against the model. */
  readonly outputs?: readonly TensorSpec[];
  /** Model name for messages. */
  readonly label?: string;
  /**
   * Records onnxruntime's per-node trace (a Chrome trace, JSON): on `node` it is written to
   * `<profile>_<date>.json`, on `web` printed to stdout, when {@linkcode OnnxSession.endProfiling}
   * runs. For benchmarks (bench/recognize_profile.ts); it slows every run.
   */
  readonly profile?: string;
}

/** Options for one run. */
export interface RunOptions {
  /** Stops waiting for the result (the computation itself finishes in the background). */
  readonly signal?: AbortSignal;
}

/** A loaded model, independent of the backend. */
export interface OnnxSession {
  /** The backend that runs it. */
  readonly backend: OnnxBackend;
  /** Execution providers requested, in order of preference. */
  readonly executionProviders: readonly string[];
  /** The model's input names. */
  readonly inputNames: readonly string[];
  /** The model's output names. */
  readonly outputNames: readonly string[];
  /** Checks `feeds` against the inputs, runs the model and returns every output. */
  run(feeds: Tensors, options?: RunOptions): Promise<Record<string, Tensor>>;
  /** Ends the trace `profile` started and writes it out; nothing without `profile`. */
  endProfiling(): void;
  /** Frees the session; it cannot run afterwards. */
  release(): Promise<void>;
}

// The subset of the onnxruntime API used here; both packages share it (onnxruntime-common).
type OrtModule = typeof import("onnxruntime-web");
type OrtSession = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;

const modules = new Map<string, Promise<OrtModule>>();
/** WASM threads each onnxruntime-web build was started with (a process-wide setting). */
const startedThreads = new WeakMap<OrtModule, number>();

function importOnce(key: string, load: () => Promise<unknown>): Promise<OrtModule> {
  let module = modules.get(key);
  if (!module) {
    module = load() as Promise<OrtModule>;
    modules.set(key, module);
    module.catch(() => modules.delete(key));
  }
  return module;
}

/**
 * The execution providers for a backend: on `web`, `["webgpu", "wasm"]` only when `webgpu` is
 * on and `hasGpu` (default: `navigator.gpu` exists), else `["wasm"]`; on `node`, `["cpu"]`.
 *
 * @example
 * ```ts
 * import { executionProviders } from "./onnx_runtime.ts";
 * console.assert(executionProviders("web", false).join() === "wasm");
 * ```
 */
export function executionProviders(
  backend: OnnxBackend,
  webgpu: boolean,
  hasGpu: boolean = ("gpu" in navigator && navigator.gpu !== undefined),
): string[] {
  if (backend === "node") return ["cpu"];
  return webgpu && hasGpu ? ["webgpu", "wasm"] : ["wasm"];
}

async function webModule(gpu: boolean, threads: number): Promise<OrtModule> {
  // In the browser `/wasm` is the CPU-only build (the package's default browser build would
  // fetch the twice as large JSEP one); the `/webgpu` build has both WebGPU and WASM.
  const ort = gpu
    ? await importOnce("webgpu", () => import("onnxruntime-web/webgpu"))
    : await importOnce(
      "web",
      // From files (Deno), the package's node build: its worker threads start from files, where
      // `/wasm` would start them from blob: URLs, which Deno refuses (so only one thread).
      () =>
        import.meta.url.startsWith("file:")
          ? import("onnxruntime-web")
          : import("onnxruntime-web/wasm"),
    );
  const wasm = ort.env.wasm;
  const started = startedThreads.get(ort);
  if (started === undefined) {
    // Run from files (Deno), the .wasm files sit in node_modules: no network. Bundled for the
    // browser, this module is served over HTTP and ORT fetches them from beside its own script.
    if (import.meta.url.startsWith("file:")) {
      wasm.wasmPaths = new URL(".", import.meta.resolve("onnxruntime-web")).href;
    }
    wasm.numThreads = threads;
    startedThreads.set(ort, threads);
  } else if (started !== threads) {
    throw new RangeError(
      `Cannot use ${threads} WASM threads: onnxruntime-web already started with ${started}`,
    );
  }
  return ort;
}

function backendName(backend: string): OnnxBackend {
  if (!(ONNX_BACKENDS as readonly string[]).includes(backend)) {
    throw new TypeError(
      `Unknown ONNX backend "${backend}": supported backends are ${ONNX_BACKENDS.join(", ")}`,
    );
  }
  return backend as OnnxBackend;
}

function describe(name: string, dtype: string, shape: readonly Dim[]): string {
  return `${name} ${dtype} ${formatShape(shape)}`;
}

/**
 * Checks feeds against the expected inputs: the same names, dtypes, ranks and fixed sizes,
 * and data lengths that match the dims. Never prints values.
 *
 * @example
 * ```ts
 * import { checkFeeds } from "./onnx_runtime.ts";
 * const inputs = [{ name: "x", dtype: "float32", shape: [1, "n"] }] as const;
 * checkFeeds({ x: { dtype: "float32", dims: [1, 3], data: new Float32Array(3) } }, inputs);
 * ```
 * @throws {TypeError} listing expected and received names, dtypes and shapes.
 */
export function checkFeeds(feeds: Tensors, inputs: readonly TensorSpec[], label = "model"): void {
  const problems: string[] = [];
  const expected = new Map(inputs.map((spec) => [spec.name, spec]));
  for (const [name, feed] of Object.entries(feeds)) {
    const spec = expected.get(name);
    if (!spec) {
      problems.push(`unexpected input "${name}"`);
      continue;
    }
    const dims = feed.dims;
    const length = dims.reduce((a, b) => a * b, 1);
    const fits = spec.shape.length === dims.length &&
      spec.shape.every((dim, i) => typeof dim === "string" || dim === dims[i]);
    if (feed.dtype !== spec.dtype || !fits || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      problems.push(`input "${name}" is ${describe(name, feed.dtype, dims)}`);
    } else if (feed.data.length !== length) {
      problems.push(
        `input "${name}" has ${feed.data.length} elements for dims ${formatShape(dims)}`,
      );
    }
  }
  for (const name of expected.keys()) {
    if (!(name in feeds)) problems.push(`input "${name}" is missing`);
  }
  if (problems.length > 0) {
    const want = inputs.map((s) => describe(s.name, s.dtype, s.shape)).join("; ");
    throw new TypeError(`Invalid feeds for ${label}: ${problems.join("; ")}: expected ${want}`);
  }
}

function specsOf(session: OrtSession, what: "inputs" | "outputs"): TensorSpec[] {
  const metadata = what === "inputs" ? session.inputMetadata : session.outputMetadata;
  return metadata.map((meta) => ({
    name: meta.name,
    dtype: (meta.isTensor ? meta.type : "non-tensor") as TensorDtype,
    shape: meta.isTensor ? meta.shape.map((dim) => dim ?? "?") : [],
  }));
}

/** Throws unless the model's names, dtypes, ranks and fixed sizes agree with the manifest. */
function matchManifest(
  what: "inputs" | "outputs",
  label: string,
  manifest: readonly TensorSpec[],
  model: readonly TensorSpec[],
) {
  const agrees = manifest.length === model.length && manifest.every((want) => {
    const got = model.find((spec) => spec.name === want.name);
    return got !== undefined && got.dtype === want.dtype &&
      got.shape.length === want.shape.length &&
      want.shape.every((dim, i) => typeof dim === "string" || dim === got.shape[i]);
  });
  if (!agrees) {
    const list = (specs: readonly TensorSpec[]) =>
      specs.map((spec) => describe(spec.name, spec.dtype, spec.shape)).join("; ");
    throw new TypeError(
      `Model ${label} ${what} do not match the manifest: manifest [${list(manifest)}], ` +
        `model [${list(model)}]`,
    );
  }
}

/**
 * Creates a session for the ONNX model in `bytes` on the chosen backend.
 *
 * @example
 * ```ts
 * import { createSession } from "./onnx_runtime.ts";
 * const bytes = await Deno.readFile("tests/fixtures/models/tiny.onnx");
 * const session = await createSession(bytes, { backend: "web" });
 * const image = { dtype: "float32", dims: [1, 1, 8, 4], data: new Float32Array(32) } as const;
 * const { logits } = await session.run({ image });
 * console.assert(logits?.dims.join() === "2,1,5");
 * await session.release();
 * ```
 * @throws {TypeError} for an unknown backend, or inputs/outputs that differ from the manifest.
 */
export async function createSession(
  bytes: Uint8Array,
  options: SessionOptions,
): Promise<OnnxSession> {
  const backend = backendName(options.backend);
  const threads = options.threads ?? 1;
  const label = `"${options.label ?? "model"}"`;
  const providers = executionProviders(backend, options.webgpu ?? false);
  const ort = backend === "node"
    ? await importOnce("node", () => import("onnxruntime-node"))
    : await webModule(providers.includes("webgpu"), threads);
  const session: OrtSession = await ort.InferenceSession.create(bytes, {
    executionProviders: providers,
    logSeverityLevel: 3, // errors only: ORT's placement warnings are noise in server logs
    ...(backend === "node" ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(options.profile ? { enableProfiling: true, profileFilePrefix: options.profile } : {}),
  });
  try {
    if (options.inputs) matchManifest("inputs", label, options.inputs, specsOf(session, "inputs"));
    if (options.outputs) {
      matchManifest("outputs", label, options.outputs, specsOf(session, "outputs"));
    }
  } catch (error) {
    await session.release();
    throw error;
  }
  const inputs = options.inputs ?? specsOf(session, "inputs");
  // Runs in flight, so that release() never frees a session under a run (a crash on `node`).
  const running = new Set<Promise<unknown>>();
  return {
    backend,
    executionProviders: providers,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(feeds, runOptions = {}) {
      checkFeeds(feeds, inputs, label);
      runOptions.signal?.throwIfAborted();
      const ortFeeds = Object.fromEntries(
        Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.dtype, t.data, t.dims)]),
      );
      const pending = session.run(ortFeeds);
      const settled = pending.then(() => {}, () => {});
      running.add(settled);
      settled.then(() => running.delete(settled));
      const results = await abortable(pending, runOptions.signal);
      return Object.fromEntries(
        Object.entries(results).map(([name, t]) => [
          name,
          { dtype: t.type as TensorDtype, dims: [...t.dims], data: t.data as TensorData },
        ]),
      );
    },
    endProfiling() {
      if (options.profile) session.endProfiling();
    },
    async release() {
      await Promise.all(running);
      await session.release();
    },
  };
}
