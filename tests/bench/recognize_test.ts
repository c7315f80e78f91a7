import assert from "node:assert/strict";
import {
  benchRecognize,
  INPUT_WIDTHS,
  medianOfRounds,
  type RecognizeBench,
} from "../../bench/recognize.ts";

Deno.test("benchRecognize() measures load, first recognition, each width and the whole path", async () => {
  const result = await benchRecognize("node", 1, "omr-int8", 2);
  assert.equal(result.model, "omr-int8");
  assert.deepEqual(Object.keys(result.inference), INPUT_WIDTHS.map(String));
  for (const timing of Object.values(result.inference)) {
    assert.ok(timing.p50Ms > 0 && timing.p95Ms >= timing.p50Ms);
  }
  assert.ok(result.loadMs > 0 && result.firstRecognizeMs > 0);
  assert.ok(result.recognize.inputWidth > 0 && result.recognize.p50Ms > 0);
  assert.ok(result.peakRssMiB > 0);
});

Deno.test("benchRecognize() runs onnxruntime-web with two WASM threads under Deno", async () => {
  // Deno refuses blob: worker URLs: the runtime must start its threads from files.
  const result = await benchRecognize("web", 2, "omr-int8", 1);
  assert.equal(result.threads, 2);
  assert.ok(result.inference["1000"]!.p50Ms > 0);
});

Deno.test("medianOfRounds() takes each time's median over the rounds and the largest RSS", () => {
  const round = (ms: number, rss: number): RecognizeBench => ({
    backend: "web",
    threads: 1,
    model: "m",
    loadMs: ms,
    firstRecognizeMs: 2 * ms,
    inference: { "1000": { p50Ms: ms, p95Ms: ms + 1 } },
    recognize: { p50Ms: 3 * ms, p95Ms: 3 * ms + 1, inputWidth: 195 },
    peakRssMiB: rss,
  });
  // A slow minute lands on one round: the median ignores it.
  const merged = medianOfRounds([round(50, 300), round(90, 310), round(48, 305)]);
  assert.deepEqual(merged, {
    ...round(50, 310),
    recognize: { p50Ms: 150, p95Ms: 151, inputWidth: 195 },
  });
  assert.throws(() => medianOfRounds([]), RangeError);
  assert.throws(
    () => medianOfRounds([round(1, 1), { ...round(1, 1), threads: 2 }]),
    /Rounds of different configurations: web 1 m, web 2 m/,
  );
});
