/**
 * The exported search models against the fixture `models.train.export_search` wrote beside them
 * (`models/search/parity.json`): each ONNX graph (fp32 and dynamic int8, both onnxruntime
 * backends) gives PyTorch's embeddings for the training rolls, and the service's own feature code
 * draws the same rolls the model was trained on from the excerpt's tokens (notes) and staff image
 * (sheet, through the recognizer).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { OnnxBackend } from "../../../shared/config.ts";
import { loadConfig } from "../../../shared/config.ts";
import { createModelRegistry } from "../../../shared/models/mod.ts";
import { type ModelEntry, parseManifest } from "../../../shared/models/manifest.ts";
import { createSession } from "../../../shared/models/onnx_runtime.ts";
import { queryRoll } from "../../../shared/search/query_roll.ts";
import type { RollSpec } from "../../../shared/search/roll.ts";
import { tokensQuery } from "../../../shared/search/search_query.ts";
import { queryRecognizer, searchModel } from "../../../shared/search/search_model.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const FP32_TOLERANCE = 1e-4; // embeddings are unit vectors; PyTorch wrote them rounded to 1e-6
/** Dynamic int8 requantizes the query at each layer; the embedding must keep its direction. */
const INT8_MIN_COSINE = 0.97;
/** Rolls are float32 in both languages; the sheet's pass through the recognizer is the same code. */
const ROLL_TOLERANCE = 1e-6;

const manifest = parseManifest(JSON.parse(await Deno.readTextFile(`${ROOT}models/manifest.json`)));
const entry = (name: string) => manifest.models.find((m) => m.name === name);
const fixture = entry("search-notes")
  ? JSON.parse(await Deno.readTextFile(`${ROOT}models/search/parity.json`))
  : null;

interface Excerpt {
  id: string;
  semantic: string[];
  png: string;
}

const specOf = (model: ModelEntry): RollSpec => {
  const p = model.preprocess as Record<string, number>;
  return { lowPitch: p.lowPitch!, pitches: p.pitches!, frames: p.frames! };
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);

for (const backend of ["node", "web"] as OnnxBackend[]) {
  for (const modality of ["notes", "audio", "sheet"]) {
    for (const name of [`search-${modality}`, `search-${modality}-int8`]) {
      Deno.test({
        name: `${name} ONNX on ${backend} gives PyTorch's embeddings`,
        ignore: fixture === null || entry(name) === undefined,
        async fn() {
          const model = entry(name)!;
          const rows: number[][] = fixture.rolls[modality];
          const want: number[][] = fixture.embeddings[modality];
          const session = await createSession(await Deno.readFile(`${ROOT}models/${model.file}`), {
            backend,
            inputs: model.inputs,
            outputs: model.outputs,
            label: model.name,
          });
          try {
            const out = await session.run({
              roll: {
                dtype: "float32",
                dims: [rows.length, rows[0]!.length],
                data: Float32Array.from(rows.flat()),
              },
            });
            const got = out.embedding!;
            const dim = want[0]!.length;
            assert.deepEqual(got.dims, [rows.length, dim]);
            want.forEach((w, i) => {
              const row = (got.data as Float32Array).subarray(i * dim, (i + 1) * dim);
              if (model.quantization === "fp32") assert.ok(maxDiff(row, w) < FP32_TOLERANCE);
              else assert.ok(cosine(row, w) > INT8_MIN_COSINE, `cosine ${cosine(row, w)}`);
            });
          } finally {
            await session.release();
          }
        },
      });
    }
  }
}

Deno.test({
  name: "the service draws an excerpt's notes roll exactly as the training data did",
  ignore: fixture === null,
  async fn() {
    const spec = specOf(entry("search-notes")!);
    const { recognize } = loadConfig({});
    const models = createModelRegistry(loadConfig({}));
    try {
      for (const [i, excerpt] of (fixture.excerpts as Excerpt[]).entries()) {
        const roll = await queryRoll(models, tokensQuery(excerpt.semantic), spec, { recognize });
        assert.ok(maxDiff(roll, fixture.rolls.notes[i]) < ROLL_TOLERANCE, excerpt.id);
      }
    } finally {
      await models.close();
    }
  },
});

Deno.test({
  name:
    "the service draws a staff image's sheet roll with the recognizer the sheet encoder pins, as the training data did",
  ignore: fixture === null,
  async fn() {
    const sheet = entry("search-sheet")!;
    const spec = specOf(sheet);
    const config = loadConfig({});
    const trainedWith = (sheet.preprocess as { sheetModel?: { sha256?: string } }).sheetModel;
    const models = createModelRegistry(config);
    try {
      const recognize = await queryRecognizer(
        models,
        searchModel(sheet, "sheet"),
        config.recognize,
      );
      const omr = await models.model(recognize.model);
      assert.equal(
        omr.sha256,
        trainedWith?.sha256,
        "the search model was trained on another OMR model",
      );
      for (const [i, excerpt] of (fixture.excerpts as Excerpt[]).entries()) {
        const image = Uint8Array.from(atob(excerpt.png), (c) => c.charCodeAt(0));
        const roll = await queryRoll(models, { modality: "sheet", input: "png", image }, spec, {
          recognize,
        });
        assert.ok(maxDiff(roll, fixture.rolls.sheet[i]) < ROLL_TOLERANCE, excerpt.id);
      }
    } finally {
      await models.close();
    }
  },
});
