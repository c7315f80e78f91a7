/**
 * Stave's model runtime: the manifest, onnxruntime sessions (web or node) and the registry
 * that loads, verifies and caches them, and the start-up preload.
 *
 * @module
 */

export * from "./manifest.ts";
export * from "./onnx_runtime.ts";
export * from "./model_registry.ts";
export * from "./create_model_registry.ts";
export * from "./preload_models.ts";
