import assert from "node:assert/strict";
import { melodyModel, melodyStep, zeroState } from "../../../shared/generate/melody_model.ts";
import { type ModelEntry, ModelRegistry, parseManifest } from "../../../shared/models/mod.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";

const MODELS = new URL("../../../models/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(await Deno.readTextFile(`${MODELS}manifest.json`)));
const melody = manifest.models.find((m) => m.name === "melody")!;

/** The committed entry with `preprocess.genres` replaced. */
const withGenres = (genres: unknown[]): ModelEntry => ({
  ...melody,
  preprocess: { ...melody.preprocess, genres: genres as never },
});

Deno.test("melodyModel() reads each genre's default guidance, 0 where none is recorded", () => {
  const model = melodyModel(withGenres([
    { id: "classical", guidance: 6 },
    { id: "medieval", guidance: 0.5 },
    { id: "irish-folk" },
  ]));
  assert.deepEqual(model.genres, melody.labels);
  assert.deepEqual(
    model.genres.map((g, i) => [g, model.guidance[i]]),
    model.genres.map((g) => [g, g === "classical" ? 6 : g === "medieval" ? 0.5 : 0]),
  );
});

Deno.test("melodyModel() refuses a guidance weight out of range, naming the genre", () => {
  for (const guidance of [-1, 17, "6", Number.NaN]) {
    assert.throws(
      () => melodyModel(withGenres([{ id: "bach-chorale", guidance }])),
      /Invalid model "melody": genre bach-chorale's guidance .* is not in \[0, 16\]/,
    );
  }
});

Deno.test("melodyStep() steps a batch of lines, and refuses a batch its state does not hold", async () => {
  const models = new ModelRegistry({
    source: new LocalObjectStore(MODELS),
    onnx: { backend: "node" },
  });
  try {
    const model = melodyModel(melody);
    const state = zeroState(model, 3);
    const genres = [0, 1, 2];
    const { logits, state: next } = await melodyStep(models, model, [1, 1, 1], genres, state);
    assert.equal(logits.length, 3 * model.vocabulary.length);
    assert.equal(next.batch, 3);
    // Each row is its genre's own line: the same as stepping it alone.
    const alone = await melodyStep(models, model, [1], [2], zeroState(model));
    const row = logits.subarray(2 * model.vocabulary.length);
    assert.ok(row.every((x, i) => Math.abs(x - alone.logits[i]!) < 1e-4));
    await assert.rejects(
      melodyStep(models, model, [1, 1], genres, state),
      /A step of 3 lines needs 3 tokens and genres, got 2 and 3/,
    );
  } finally {
    await models.close();
  }
});
