import assert from "node:assert/strict";
import { type ModelEntry, ModelRegistry, parseManifest } from "../../../shared/models/mod.ts";
import { loadSearchModel, searchModel } from "../../../shared/search/search_model.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import { FIXTURES, TINY_SEARCH_SPEC } from "../../fixtures/models/tiny_model.ts";

const ENTRY = {
  name: "search-notes",
  version: "1",
  task: "search",
  file: "search/search-notes.onnx",
  sha256: "0".repeat(64),
  bytes: 1,
  quantization: "fp32",
  inputs: [{ name: "roll", dtype: "float32", shape: ["batch", 2336] }],
  outputs: [{ name: "embedding", dtype: "float32", shape: ["batch", 128] }],
  preprocess: { modality: "notes", lowPitch: 28, pitches: 73, frames: 32 },
} as const satisfies ModelEntry;

Deno.test("searchModel() reads the roll grid and the tensor names from the entry", () => {
  const model = searchModel(ENTRY, "notes");
  assert.deepEqual(model.spec, { lowPitch: 28, pitches: 73, frames: 32 });
  assert.equal(model.input, "roll");
  assert.equal(model.output, "embedding");
  assert.equal(model.entry, ENTRY);
});

Deno.test("searchModel() refuses entries it cannot use, naming the model and what is wrong", () => {
  const bad: [Partial<ModelEntry>, RegExp][] = [
    [{ task: "classify" }, /task is classify, expected search/],
    [{ preprocess: { ...ENTRY.preprocess, modality: "audio" } }, /modality is "audio"/],
    [{ preprocess: { ...ENTRY.preprocess, frames: 0 } }, /preprocess\.frames must be/],
    [{ preprocess: { ...ENTRY.preprocess, pitches: 7.5 } }, /preprocess\.pitches must be/],
    [
      { inputs: [{ name: "roll", dtype: "float32", shape: ["batch", 100] }] },
      /100 values a row, the roll 2336/,
    ],
    [{ inputs: [{ name: "roll", dtype: "int64", shape: ["batch", 2336] }] }, /float32 input/],
    [
      { outputs: [{ name: "embedding", dtype: "float32", shape: ["batch", 64] }] },
      /output of shape \[batch, 128\]/,
    ],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => searchModel({ ...ENTRY, ...change } as ModelEntry, "notes"),
      (error: Error) =>
        error instanceof TypeError && error.message.startsWith('Invalid search model "search-') &&
        message.test(error.message),
    );
  }
});

Deno.test("loadSearchModel() reads each fixture encoder from the registry's manifest", async () => {
  const models = new ModelRegistry({
    source: new LocalObjectStore(FIXTURES),
    onnx: { backend: "web" },
  });
  try {
    for (const modality of ["notes", "audio", "sheet"] as const) {
      const model = await loadSearchModel(models, `search-${modality}`, modality);
      assert.deepEqual(model.spec, TINY_SEARCH_SPEC);
    }
    await assert.rejects(loadSearchModel(models, "search-notes", "audio"), /expected "audio"/);
    await assert.rejects(loadSearchModel(models, "nope", "notes"), /Unknown model "nope"/);
  } finally {
    await models.close();
  }
});

Deno.test("the production manifest's search entries are usable encoders, if present", async () => {
  const text = await Deno.readTextFile(new URL("../../../models/manifest.json", import.meta.url));
  for (const entry of parseManifest(JSON.parse(text)).models) {
    if (entry.task !== "search") continue;
    const modality = entry.preprocess?.modality as "notes" | "audio" | "sheet";
    assert.equal(searchModel(entry, modality).entry.name, entry.name);
  }
});
