/**
 * Benchmarks the model runtime on the tiny fixture model: session creation (cold and warm),
 * first inference and steady-state latency percentiles, per backend.
 *
 * @module
 */

import type { OnnxBackend } from "../shared/config.ts";
import { createSession } from "../shared/models/mod.ts";

/** Options for {@linkcode benchModelRuntime}. */
export interface ModelRuntimeBenchOptions {
  /** Backends to measure, in order; both by default. */
  readonly backends?: readonly OnnxBackend[];
  /** Input widths for the latency percentiles. */
  readonly widths?: readonly number[];
  /** Timed runs per width (after 3 warm-up runs). */
  readonly runs?: number;
  /** Threads per session. */
  readonly threads?: number;
  /** The model file; the tiny fixture by default. */
  readonly modelPath?: string | URL;
}

/** Latency of one width, in milliseconds. */
export interface WidthTiming {
  /** Median. */
  readonly p50Ms: number;
  /** 95th percentile. */
  readonly p95Ms: number;
}

/** The measurements for one backend, in milliseconds. */
export interface BackendTiming {
  /** First session in the process, including loading the runtime (cold only in a fresh process). */
  readonly createColdMs: number;
  /** A second session of the same model. */
  readonly createWarmMs: number;
  /** The first run of the cold session. */
  readonly firstInferenceMs: number;
  /** Steady-state latency by input width. */
  readonly widths: Readonly<Record<string, WidthTiming>>;
}

/** What {@linkcode benchModelRuntime} returns. */
export interface ModelRuntimeBench {
  /** The model file measured. */
  readonly model: string;
  /** Timed runs per width. */
  readonly runs: number;
  /** Threads per session. */
  readonly threads: number;
  /** Results by backend. */
  readonly backends: Readonly<Partial<Record<OnnxBackend, BackendTiming>>>;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function image(width: number) {
  const data = new Float32Array(8 * width).map((_, i) => Math.sin(i * 0.37));
  return { dtype: "float32", dims: [1, 1, 8, width], data } as const;
}

async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await body();
  return [value, round(performance.now() - start)];
}

/**
 * Measures the runtime on each backend and returns plain numbers (milliseconds).
 *
 * @example
 * ```ts ignore
 * import { benchModelRuntime } from "./model_runtime.ts";
 * const result = await benchModelRuntime({ backends: ["node"], runs: 10 });
 * console.log(result.backends.node?.firstInferenceMs);
 * ```
 */
export async function benchModelRuntime(
  options: ModelRuntimeBenchOptions = {},
): Promise<ModelRuntimeBench> {
  const modelPath = options.modelPath ??
    new URL("../tests/fixtures/models/tiny.onnx", import.meta.url);
  const runs = options.runs ?? 50;
  const threads = options.threads ?? 1;
  const bytes = await Deno.readFile(modelPath);
  const backends: Partial<Record<OnnxBackend, BackendTiming>> = {};
  for (const backend of options.backends ?? ["web", "node"]) {
    const [cold, createColdMs] = await timed(() => createSession(bytes, { backend, threads }));
    const [warm, createWarmMs] = await timed(() => createSession(bytes, { backend, threads }));
    try {
      const [, firstInferenceMs] = await timed(() => cold.run({ image: image(64) }));
      const widths: Record<string, WidthTiming> = {};
      for (const width of options.widths ?? [64, 1024]) {
        const feeds = { image: image(width) };
        for (let i = 0; i < 3; i++) await cold.run(feeds);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push((await timed(() => cold.run(feeds)))[1]);
        times.sort((a, b) => a - b);
        widths[String(width)] = { p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95) };
      }
      backends[backend] = { createColdMs, createWarmMs, firstInferenceMs, widths };
    } finally {
      await Promise.all([cold.release(), warm.release()]);
    }
  }
  return { model: String(modelPath), runs, threads, backends };
}

if (import.meta.main) {
  // `--backend web|node` measures one backend, so a fresh process gives a truly cold start.
  const at = Deno.args.indexOf("--backend");
  const backends = at >= 0 ? [Deno.args[at + 1] as OnnxBackend] : undefined;
  console.log(JSON.stringify(await benchModelRuntime({ backends }), null, 2));
}
