import assert from "node:assert/strict";
import { loadConfig } from "../../../shared/config.ts";
import { ModelRegistry } from "../../../shared/models/model_registry.ts";
import { preloadModels, servedModels } from "../../../shared/models/preload_models.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import { FIXTURES } from "../../fixtures/models/tiny_model.ts";

async function withRegistry(body: (registry: ModelRegistry) => Promise<void>) {
  const registry = new ModelRegistry({
    source: new LocalObjectStore(FIXTURES),
    onnx: { backend: "web" },
  });
  try {
    await body(registry);
  } finally {
    await registry.close();
  }
}

Deno.test("servedModels() lists every default model once, the recognizer first", () => {
  assert.deepEqual(servedModels(loadConfig({})), [
    "omr-lowrank-int8",
    "search-sheet",
    "search-notes",
    "search-audio",
    "genre",
    "melody",
  ]);
});

Deno.test("servedModels() follows STAVE_FUNCTIONS and the configured model names", () => {
  const config = (env: Record<string, string>) => servedModels(loadConfig(env));
  assert.deepEqual(config({ STAVE_FUNCTIONS: "health,models,genres" }), []);
  assert.deepEqual(config({ STAVE_FUNCTIONS: "classify,generate" }), ["genre", "melody"]);
  assert.deepEqual(
    config({ STAVE_FUNCTIONS: "scores", STAVE_OMR_MODEL: "omr", STAVE_SEARCH_MODEL_NOTES: "n8" }),
    ["omr", "n8"],
  );
  assert.deepEqual(config({ STAVE_FUNCTIONS: "recognize,search", STAVE_GENERATE_MODEL: "x" }), [
    "omr-lowrank-int8",
    "search-sheet",
    "search-notes",
    "search-audio",
  ]);
});

Deno.test("preloadModels() loads each model, reports failures and never rejects", async () => {
  await withRegistry(async (registry) => {
    const seen: string[] = [];
    const outcomes = await preloadModels(registry, ["tiny", "nowhere", "tiny-int8"], {
      onOutcome: (outcome) => seen.push(outcome.name),
    });
    assert.deepEqual(outcomes.map((o) => [o.name, o.ok]), [
      ["tiny", true],
      ["nowhere", false],
      ["tiny-int8", true],
    ]);
    assert.deepEqual(seen, ["tiny", "nowhere", "tiny-int8"]);
    const failed = outcomes[1]!;
    assert.ok(!failed.ok && /Unknown model "nowhere"/.test(failed.error));
    assert.deepEqual(registry.loaded(), ["tiny", "tiny-int8"]);
    assert.equal(registry.loads, 3); // the unknown name started a load too, and it failed
  });
});

Deno.test("preloadModels() also loads the recognizer a sheet encoder pins, once", async () => {
  await withRegistry(async (registry) => {
    // The fixture's sheet encoder pins "omr-lowrank-int8", which this fixture manifest lacks: the attempt
    // is reported like any other load.
    const outcomes = await preloadModels(registry, ["search-sheet", "tiny"]);
    assert.deepEqual(outcomes.map((o) => [o.name, o.ok]), [
      ["search-sheet", true],
      ["tiny", true],
      ["omr-lowrank-int8", false],
    ]);
    const again = await preloadModels(registry, ["omr-lowrank-int8", "search-sheet"]);
    assert.deepEqual(again.map((o) => o.name), ["omr-lowrank-int8", "search-sheet"]);
  });
});

Deno.test("preloadModels() and first requests share one load per model", async () => {
  await withRegistry(async (registry) => {
    const preload = preloadModels(registry, ["tiny", "tiny-int8"]);
    // Requests that arrive while the preload runs wait on its loads instead of starting their own.
    const sessions = await Promise.all([
      registry.session("tiny"),
      registry.session("tiny-int8"),
      registry.session("tiny"),
    ]);
    assert.equal(sessions[0], sessions[2]);
    assert.ok((await preload).every((outcome) => outcome.ok));
    assert.equal(registry.loads, 2);
  });
});

Deno.test("preloadModels() stops before the next model once its signal aborts", async () => {
  await withRegistry(async (registry) => {
    const controller = new AbortController();
    const outcomes = await preloadModels(registry, ["tiny", "tiny-int8"], {
      signal: controller.signal,
      onOutcome: () => controller.abort(),
    });
    assert.deepEqual(outcomes.map((outcome) => outcome.name), ["tiny"]);
    assert.deepEqual(registry.loaded(), ["tiny"]);
  });
});
