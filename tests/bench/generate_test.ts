import assert from "node:assert/strict";
import { benchClassify } from "../../bench/classify.ts";
import { classifySection, generateSection } from "../../bench/gen_sections.ts";
import { benchGenerate, GENERATE_MEASURES } from "../../bench/generate.ts";
import { parseManifest } from "../../shared/models/manifest.ts";

const manifest = parseManifest(
  JSON.parse(await Deno.readTextFile(new URL("../../models/manifest.json", import.meta.url))),
);
const hasClassifier = manifest.models.some((m) => m.name === "genre");

Deno.test("benchGenerate() times lines of the committed generator", async () => {
  const result = await benchGenerate("node", "melody-int8", 6, 1);
  assert.equal(result.runs, 1);
  assert.equal(result.guidance, 6);
  assert.ok(result.loadMs > 0 && result.lineMs > 0);
  assert.ok(result.tokensPerLine > 2 * GENERATE_MEASURES, `${result.tokensPerLine} tokens`);
  assert.ok(result.tokensPerSecond > 0);
});

Deno.test("generateSection() measures each runtime, model and guidance with a tiny count", async () => {
  const section = await generateSection(1);
  const rows = section.split("\n").filter((line) => line.startsWith("| ORT"));
  assert.equal(rows.length, 8);
  assert.equal(rows.filter((row) => row.includes(", guidance 0 |")).length, 4);
  for (const row of rows) {
    const cells = row.split("|").slice(2, -1).map((c) => Number(c.trim()));
    assert.ok(cells.every((c) => Number.isFinite(c) && c > 0), row);
  }
  for (const row of rows.filter((row) => row.startsWith("| ORT Node"))) {
    assert.match(row, /\| 1\.00 \|$/, "ORT Node is the baseline");
  }
});

Deno.test({
  name: "benchClassify() and classifySection() time the committed classifier with a tiny count",
  ignore: !hasClassifier,
  async fn() {
    const result = await benchClassify("node", 2);
    assert.ok(result.windows.mass > result.windows.tune);
    assert.ok(result.tune.p50Ms > 0 && result.mass.p95Ms >= result.mass.p50Ms);
    const section = await classifySection(2);
    assert.equal(section.split("\n").filter((line) => line.startsWith("| ORT")).length, 2);
  },
});

Deno.test({
  name: "classifySection() says the classifier was not measured when the manifest lacks it",
  ignore: hasClassifier,
  async fn() {
    assert.match(await classifySection(1), /Not measured: the manifest has no classifier/);
  },
});
