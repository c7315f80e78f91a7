import assert from "node:assert/strict";
import { pianoRollWindows } from "../../../shared/music/piano_roll.ts";

const spec = { lowPitch: 48, pitches: 24, stepTicks: 12, steps: 16, hop: 8 };
const at = (data: Float32Array, w: number, ch: number, row: number, t: number) =>
  data[((w * 2 + ch) * spec.pitches + row) * spec.steps + t];

Deno.test("pianoRollWindows() marks the onset once and the sounding steps of each note", () => {
  const { windows, data } = pianoRollWindows([{ pitch: 50, start: 24, ticks: 36 }], spec);
  assert.equal(windows, 1);
  assert.equal(data.length, 2 * 24 * 16);
  assert.equal(at(data, 0, 0, 2, 2), 1);
  assert.equal(at(data, 0, 0, 2, 3), 0);
  assert.deepEqual([1, 2, 3, 4, 5].map((t) => at(data, 0, 1, 2, t)), [0, 1, 1, 1, 0]);
  assert.equal(data.reduce((a, b) => a + b, 0), 4);
});

Deno.test("pianoRollWindows() folds pitches outside the range by octaves", () => {
  const { data } = pianoRollWindows([{ pitch: 36, start: 0, ticks: 12 }, {
    pitch: 80,
    start: 0,
    ticks: 12,
  }], spec);
  assert.equal(at(data, 0, 0, 0, 0), 1); // C2 -> C3 (row 0)
  assert.equal(at(data, 0, 0, 80 - 12 - 48, 0), 1); // G#5 -> G#4 (row 20)
});

Deno.test("pianoRollWindows() covers a long piece with hopped windows, the last ending at its end", () => {
  const notes = Array.from({ length: 40 }, (_, i) => ({ pitch: 60, start: i * 12, ticks: 12 }));
  const { windows, data } = pianoRollWindows(notes, spec);
  assert.equal(windows, 4); // starts 0, 8, 16 and 24 (= 40 - 16)
  for (let w = 0; w < windows; w++) {
    const onsets = Array.from({ length: 16 }, (_, t) => at(data, w, 0, 12, t)).reduce(
      (a, b) => a! + b!,
      0,
    );
    assert.equal(onsets, 16);
  }
});
