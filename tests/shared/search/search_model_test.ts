import assert from "node:assert/strict";
import { type ModelEntry, ModelRegistry, parseManifest } from "../../../shared/models/mod.ts";
import {
  loadSearchModel,
  queryRecognizer,
  searchModel,
} from "../../../shared/search/search_model.ts";
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

const SHEET = {
  ...ENTRY,
  name: "search-sheet",
  preprocess: {
    ...ENTRY.preprocess,
    modality: "sheet",
    sheetModel: { name: "omr-int8", version: "0.1.0", sha256: "ab".repeat(32) },
  },
} as const satisfies ModelEntry;

Deno.test("searchModel() reads the recognizer a sheet encoder was trained on", () => {
  assert.deepEqual(searchModel(SHEET, "sheet").recognizer, {
    name: "omr-int8",
    sha256: "ab".repeat(32),
  });
  const unpinned = { ...SHEET, preprocess: { ...SHEET.preprocess, sheetModel: { name: "omr" } } };
  assert.deepEqual(searchModel(unpinned, "sheet").recognizer, { name: "omr" });
  assert.equal(searchModel(ENTRY, "notes").recognizer, undefined);
  for (const sheetModel of [undefined, {}, { name: "" }, { name: "omr", sha256: 7 }]) {
    const entry = { ...SHEET, preprocess: { ...SHEET.preprocess, sheetModel } } as ModelEntry;
    assert.throws(
      () => searchModel(entry, "sheet"),
      /Invalid search model "search-sheet": preprocess\.sheetModel/,
    );
  }
});

Deno.test("queryRecognizer() reads sheets with the pinned recognizer, and refuses another one", async () => {
  const models = new ModelRegistry({
    source: new LocalObjectStore(FIXTURES),
    onnx: { backend: "web" },
  });
  const served = { model: "tiny", maxPixels: 1000 };
  try {
    const tiny8 = await models.model("tiny-int8");
    const pin = (sha256: string) =>
      searchModel({
        ...SHEET,
        preprocess: { ...SHEET.preprocess, sheetModel: { name: "tiny-int8", sha256 } },
      }, "sheet");
    assert.deepEqual(await queryRecognizer(models, pin(tiny8.sha256), served), {
      model: "tiny-int8",
      maxPixels: 1000,
    });
    assert.equal(await queryRecognizer(models, searchModel(ENTRY, "notes"), served), served);
    await assert.rejects(
      queryRecognizer(models, pin("0".repeat(64)), served),
      /its sheets were read by "tiny-int8" 000000000000, the manifest's "tiny-int8" is/,
    );
  } finally {
    await models.close();
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
