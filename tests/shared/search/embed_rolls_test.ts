import assert from "node:assert/strict";
import type { OnnxBackend } from "../../../shared/config.ts";
import { ModelRegistry } from "../../../shared/models/mod.ts";
import { EMBED_BATCH, embedRolls } from "../../../shared/search/embed_rolls.ts";
import { loadSearchModel } from "../../../shared/search/search_model.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import {
  FIXTURES,
  maxDiff,
  TINY_SEARCH_SPEC,
  tinySearchEmbedding,
} from "../../fixtures/models/tiny_model.ts";

const WIDTH = TINY_SEARCH_SPEC.frames * TINY_SEARCH_SPEC.pitches;

/** A roll lit at a few seeded cells. */
function roll(seed: number): Float32Array {
  const out = new Float32Array(WIDTH);
  for (let k = 0; k < 12; k++) out[(seed * 7919 + k * 104_729) % WIDTH] = ((seed + k) % 4 + 1) / 4;
  return out;
}

for (const backend of ["web", "node"] as OnnxBackend[]) {
  Deno.test(`embedRolls() on ${backend} matches the fixture's formula, batch after batch`, async () => {
    const models = new ModelRegistry({ source: new LocalObjectStore(FIXTURES), onnx: { backend } });
    try {
      const model = await loadSearchModel(models, "search-notes", "notes");
      const rolls = Array.from({ length: EMBED_BATCH + 3 }, (_, i) => roll(i + 1));
      const embeddings = await embedRolls(models, model, rolls);
      assert.equal(embeddings.length, rolls.length);
      embeddings.forEach((e, i) => {
        assert.equal(e.length, 128);
        assert.ok(maxDiff(e, tinySearchEmbedding(rolls[i]!)) < 1e-4, `roll ${i}`);
        assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-5);
      });
      // One roll alone embeds as it did in its batch.
      const [alone] = await embedRolls(models, model, [rolls.at(-1)!]);
      assert.ok(maxDiff(alone!, embeddings.at(-1)!) < 1e-6);
      assert.deepEqual(await embedRolls(models, model, []), []);
    } finally {
      await models.close();
    }
  });
}

Deno.test("embedRolls() refuses a roll of another grid, naming it", async () => {
  const models = new ModelRegistry({
    source: new LocalObjectStore(FIXTURES),
    onnx: { backend: "web" },
  });
  try {
    const model = await loadSearchModel(models, "search-audio", "audio");
    await assert.rejects(
      embedRolls(models, model, [roll(1), new Float32Array(2336)]),
      new RangeError(`Invalid roll 1: 2336 values, the model takes ${WIDTH}`),
    );
  } finally {
    await models.close();
  }
});
