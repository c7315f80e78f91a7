/**
 * The server's model registry, built from the configuration: a local folder or an S3 prefix.
 * Kept apart from `model_registry.ts` so that the browser, which imports the registry, never
 * pulls in the object stores.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { createObjectStore } from "../storage/mod.ts";
import { ModelRegistry } from "./model_registry.ts";

/**
 * Builds the registry from the configuration: models from `config.models` (a local folder or
 * an S3 prefix) on the `config.onnx` backend.
 *
 * @example
 * ```ts
 * import { createModelRegistry } from "./create_model_registry.ts";
 * import { loadConfig } from "../config.ts";
 * const registry = createModelRegistry(loadConfig({}));
 * console.assert(registry.loaded().length === 0);
 * await registry.close();
 * ```
 */
export function createModelRegistry(config: Config): ModelRegistry {
  const models = config.models;
  const source = models.kind === "local"
    ? createObjectStore({ kind: "local", root: models.dir })
    : createObjectStore(models);
  return new ModelRegistry({ source, onnx: config.onnx, ownsSource: true });
}
