import assert from "node:assert/strict";
import { chooseWeight, GUIDANCE_GRID, TARGET_SHARE } from "../../../models/eval/gen_guidance.ts";
import { melodyModel } from "../../../shared/generate/mod.ts";
import { parseManifest } from "../../../shared/models/mod.ts";

Deno.test("chooseWeight() takes the first weight that reaches the target, measuring no further", async () => {
  const measured: number[] = [];
  const shares: Record<number, number> = { 0: 0.5, 1: 0.7, 2: 0.93, 3: 0.99 };
  const pick = await chooseWeight([0, 1, 2, 3], 0.92, (w) => {
    measured.push(w);
    return Promise.resolve(shares[w]!);
  });
  assert.deepEqual(pick, { weight: 2, reached: true, shares: { 0: 0.5, 1: 0.7, 2: 0.93 } });
  assert.deepEqual(measured, [0, 1, 2]);
});

Deno.test("chooseWeight() keeps 0 when the generator alone reaches the target", async () => {
  const pick = await chooseWeight([0, 1, 2], 0.9, () => Promise.resolve(0.95));
  assert.deepEqual(pick, { weight: 0, reached: true, shares: { 0: 0.95 } });
});

Deno.test("chooseWeight() falls back to the best share's weight when none reaches the target", async () => {
  const shares: Record<number, number> = { 0: 0.5, 1: 0.8, 2: 0.75 };
  const pick = await chooseWeight([0, 1, 2], 0.9, (w) => Promise.resolve(shares[w]!));
  assert.equal(pick.weight, 1);
  assert.equal(pick.reached, false);
});

Deno.test("the committed generators carry calibrated weights of the grid", async () => {
  const manifest = parseManifest(
    JSON.parse(await Deno.readTextFile(new URL("../../../models/manifest.json", import.meta.url))),
  );
  const calibration = JSON.parse(
    await Deno.readTextFile(new URL("../../../models/gen/guidance.json", import.meta.url)),
  );
  assert.equal(calibration.target, TARGET_SHARE);
  for (const entry of manifest.models.filter((m) => m.task === "generate")) {
    const model = melodyModel(entry);
    model.genres.forEach((genre, i) => {
      const recorded = calibration.models[entry.name][genre];
      assert.equal(model.guidance[i], recorded.weight, `${entry.name} ${genre}`);
      assert.ok((GUIDANCE_GRID as readonly number[]).includes(recorded.weight));
      assert.ok(recorded.shares[recorded.weight] >= TARGET_SHARE || !recorded.reached);
    });
  }
});
