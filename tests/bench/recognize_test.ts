import assert from "node:assert/strict";
import { benchRecognize, INPUT_WIDTHS } from "../../bench/recognize.ts";

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
