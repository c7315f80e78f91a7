import assert from "node:assert/strict";
import { histograms, kl, overlap } from "../../../models/eval/metrics.ts";

Deno.test("histograms() counts pitch classes, intervals within a line and log lengths", () => {
  const h = histograms([
    [{ pitch: 60, start: 0, ticks: 48 }, { pitch: 64, start: 48, ticks: 48 }],
    [{ pitch: 72, start: 0, ticks: 6 }],
  ]);
  assert.deepEqual(h.pitchClass.map((v) => Math.round(v * 3)), [
    2,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.equal(h.interval[12 + 4], 1); // one interval, +4, none across lines
  assert.equal(h.length[0], 1 / 3); // a thirty-second note
  assert.equal(h.length[6], 2 / 3); // quarters: 2 * log2(48 / 6) = 6
});

Deno.test("overlap() is 1 for equal and 0 for disjoint histograms", () => {
  assert.equal(overlap([0.5, 0.5], [0.5, 0.5]), 1);
  assert.equal(overlap([1, 0], [0, 1]), 0);
});

Deno.test("kl() is 0 for equal histograms, positive otherwise and finite on empty bins", () => {
  assert.ok(Math.abs(kl([0.2, 0.8], [0.2, 0.8])) < 1e-12);
  assert.ok(kl([0.5, 0.5], [0.9, 0.1]) > 0.3);
  assert.ok(Number.isFinite(kl([1, 0], [0, 1])));
});
