/**
 * Start-up preloading: the models the mounted functions run, loaded in the background once the
 * server listens, so the first requests find their sessions ready or share the load in flight.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { ModelRegistry } from "./model_registry.ts";

/** How preloading one model went. */
export type PreloadOutcome =
  | { readonly name: string; readonly ok: true; readonly ms: number }
  | { readonly name: string; readonly ok: false; readonly ms: number; readonly error: string };

/** Options of {@linkcode preloadModels}. */
export interface PreloadOptions {
  /** Stops before the next model once aborted (the server is shutting down). */
  readonly signal?: AbortSignal;
  /** Called after each model, loaded or failed, e.g. to log it. */
  readonly onOutcome?: (outcome: PreloadOutcome) => void;
}

/**
 * The models the functions mounted by `config` run, each once, in preload order: the recognizer
 * first (recognition, image searches and page uploads all wait on it), then the search encoders
 * (sheet, notes, audio), the classifier and the generator.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../config.ts";
 * import { servedModels } from "./preload_models.ts";
 * const names = servedModels(loadConfig({ STAVE_FUNCTIONS: "health,generate" }));
 * console.assert(names.join() === "melody");
 * ```
 */
export function servedModels(config: Config): string[] {
  const omr = config.recognize.model;
  const search = config.search.models;
  // Each function's models; the order of this table is the preload order.
  const uses: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["search", [omr, search.sheet, search.notes, search.audio]],
    ["recognize", [omr]],
    ["scores", [omr, search.notes]],
    ["hooks", [omr, search.notes]],
    ["classify", [config.classify.model]],
    ["generate", [config.generate.model]],
  ];
  const mounted = config.functions;
  const names = new Set<string>();
  for (const [fn, models] of uses) {
    if (mounted === undefined || mounted.includes(fn)) models.forEach((name) => names.add(name));
  }
  return [...names];
}

/**
 * Loads `names` through `registry` one after another and reports each outcome; never rejects.
 * A search sheet encoder brings the recognizer its manifest entry pins (`preprocess.sheetModel`),
 * loaded after the named ones unless named. A failed load is not cached by the registry, so the
 * first request for that model tries again.
 *
 * One at a time because a load is CPU work on the same thread as the requests: loading all at
 * once would delay the first model (the one most requests wait for) without finishing sooner.
 *
 * @example
 * ```ts
 * import { ModelRegistry } from "./model_registry.ts";
 * import { LocalObjectStore } from "../storage/mod.ts";
 * import { preloadModels } from "./preload_models.ts";
 * const registry = new ModelRegistry({
 *   source: new LocalObjectStore("tests/fixtures/models"),
 *   onnx: { backend: "web" },
 * });
 * const outcomes = await preloadModels(registry, ["tiny"]);
 * console.assert(outcomes[0]?.ok && registry.loaded().join() === "tiny");
 * await registry.close();
 * ```
 */
export async function preloadModels(
  registry: ModelRegistry,
  names: readonly string[],
  options: PreloadOptions = {},
): Promise<PreloadOutcome[]> {
  const outcomes: PreloadOutcome[] = [];
  const queue = [...names];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    if (options.signal?.aborted) break;
    const t0 = performance.now();
    let outcome: PreloadOutcome;
    try {
      await registry.session(name);
      outcome = { name, ok: true, ms: Math.round(performance.now() - t0) };
      // A sheet encoder reads its queries with the recognizer it was trained on: that one too.
      const pinned = (await registry.model(name)).preprocess?.sheetModel as { name?: unknown };
      if (typeof pinned?.name === "string" && !queue.includes(pinned.name)) queue.push(pinned.name);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { name, ok: false, ms: Math.round(performance.now() - t0), error: message };
    }
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  }
  return outcomes;
}
