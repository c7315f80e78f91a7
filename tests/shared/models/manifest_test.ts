import assert from "node:assert/strict";
import { join } from "node:path";
import { type ModelEntry, parseManifest } from "../../../shared/models/manifest.ts";
import { FIXTURES } from "../../fixtures/models/tiny_model.ts";
import { sha256Hex } from "../../../shared/sha256.ts";

const fixture = JSON.parse(await Deno.readTextFile(join(FIXTURES, "manifest.json")));

/** The fixture manifest with the first model changed by `edit`. */
function withModel(edit: (model: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(fixture);
  edit(copy.models[0]);
  return copy;
}

Deno.test("parseManifest() accepts the fixture manifest, typed and frozen", () => {
  const manifest = parseManifest(fixture);
  const tiny = manifest.models[0] as ModelEntry;
  assert.equal(tiny.name, "tiny");
  assert.equal(tiny.quantization, "fp32");
  assert.deepEqual(tiny.inputs, [{ name: "image", dtype: "float32", shape: [1, 1, 8, "width"] }]);
  assert.deepEqual(tiny.vocabularies?.symbols?.[0], "<blank>");
  assert.equal(manifest.models[1]?.variantOf, "tiny");
  assert.ok(Object.isFrozen(manifest) && Object.isFrozen(tiny.inputs[0]!.shape));
});

Deno.test("parseManifest() fills in quantization fp32 when omitted", () => {
  const manifest = parseManifest(withModel((model) => delete model.quantization));
  assert.equal(manifest.models[0]?.quantization, "fp32");
});

Deno.test("parseManifest() accepts the production manifest models/manifest.json", async () => {
  const text = await Deno.readTextFile(new URL("../../../models/manifest.json", import.meta.url));
  assert.equal(parseManifest(JSON.parse(text)).version, 1);
});

Deno.test("the fixture manifest matches the committed ONNX files (sha256 and bytes)", async () => {
  for (const model of parseManifest(fixture).models) {
    const bytes = await Deno.readFile(join(FIXTURES, model.file));
    assert.equal(bytes.byteLength, model.bytes, model.name);
    assert.equal(await sha256Hex(bytes), model.sha256, model.name);
  }
});

const invalid: [string, unknown, string][] = [
  ["a non-object root", [], "manifest must be an object, got array"],
  ["another version", { version: 2, models: [] }, "version must be 1, got 2"],
  [
    "an unknown root key",
    { version: 1, models: [], extra: 1 },
    "manifest.extra is not a known key",
  ],
  [
    "models not an array",
    { version: 1, models: {} },
    "models must be an array, got [object Object]",
  ],
  [
    "a short sha256",
    withModel((m) => (m.sha256 = "abc")),
    'models[0].sha256 must be 64 lower-case hex characters, got "abc"',
  ],
  [
    "an upper-case sha256",
    withModel((m) => (m.sha256 = String(m.sha256).toUpperCase())),
    "models[0].sha256 must be 64 lower-case hex characters",
  ],
  ["zero bytes", withModel((m) => (m.bytes = 0)), "models[0].bytes must be an integer >= 1, got 0"],
  [
    "a file outside the folder",
    withModel((m) => (m.file = "../secrets.onnx")),
    'models[0].file must be a relative path like "omr/model.onnx", got "../secrets.onnx"',
  ],
  [
    "an absolute file",
    withModel((m) => (m.file = "/etc/model.onnx")),
    "models[0].file must be a relative path",
  ],
  ["a bad name", withModel((m) => (m.name = "Tiny Model")), "models[0].name must be lower-case"],
  ["an unknown task", withModel((m) => (m.task = "dance")), "models[0].task must be one of omr, "],
  [
    "an unknown model key",
    withModel((m) => (m.shaa256 = "x")),
    "models[0].shaa256 is not a known key",
  ],
  [
    "an unknown quantization",
    withModel((m) => (m.quantization = "int4")),
    'models[0].quantization must be one of fp32, fp16, int8, uint8, got "int4"',
  ],
  ["no inputs", withModel((m) => (m.inputs = [])), "models[0].inputs must not be empty"],
  [
    "an unknown dtype",
    withModel((m) => (m.outputs = [{ name: "y", dtype: "double", shape: [1] }])),
    'models[0].outputs[0].dtype must be one of float32, float16, int8, uint8, int32, int64, bool, got "double"',
  ],
  [
    "a negative dimension",
    withModel((m) => (m.inputs = [{ name: "x", dtype: "float32", shape: [1, -1] }])),
    "models[0].inputs[0].shape[1] must be a size >= 0 or a dimension name, got -1",
  ],
  [
    "a repeated input name",
    withModel((m) => {
      const input = { name: "x", dtype: "float32", shape: [1] };
      m.inputs = [input, input];
    }),
    'models[0].inputs[1].name repeats "x"',
  ],
  [
    "a repeated vocabulary token",
    withModel((m) => (m.vocabularies = { symbols: ["a", "b", "a"] })),
    'models[0].vocabularies.symbols[2] repeats "a"',
  ],
  [
    "a variant of an unknown model",
    withModel((m) => (m.variantOf = "omr")),
    'models[0].variantOf must name another model in the manifest, got "omr"',
  ],
  [
    "metrics as an array",
    withModel((m) => (m.metrics = [1])),
    "models[0].metrics must be an object, got array",
  ],
];

for (const [what, json, message] of invalid) {
  Deno.test(`parseManifest() rejects ${what} naming the JSON path`, () => {
    assert.throws(() => parseManifest(json), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.ok(
        error.message.startsWith(`Invalid manifest: ${message}`),
        `got: ${error.message}`,
      );
      return true;
    });
  });
}

Deno.test("parseManifest() rejects two models with one name", () => {
  const copy = structuredClone(fixture);
  copy.models[1].name = "tiny";
  delete copy.models[1].variantOf;
  assert.throws(
    () => parseManifest(copy),
    new TypeError(`Invalid manifest: models[1].name repeats "tiny"`),
  );
});
