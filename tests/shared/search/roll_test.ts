import assert from "node:assert/strict";
import { audioRoll, notesRoll } from "../../../shared/search/roll.ts";
import { sine } from "../../support/wav.ts";

const spec = { lowPitch: 48, pitches: 37, frames: 8 };
const argmaxRow = (roll: Float32Array, t: number) => {
  const column = roll.subarray(t * spec.pitches, (t + 1) * spec.pitches);
  return column.indexOf(Math.max(...column));
};

Deno.test("notesRoll() spans first onset to last release, whatever the tempo", () => {
  const notes = [
    { pitch: 60, start: 96, ticks: 96 },
    { pitch: 67, start: 192, ticks: 96 },
  ];
  const slow = notesRoll(
    notes.map((n) => ({ ...n, start: n.start * 2, ticks: n.ticks * 2 })),
    spec,
  );
  const fast = notesRoll(notes, spec);
  assert.deepEqual(slow, fast);
  assert.equal(argmaxRow(fast, 0), 60 - 48);
  assert.equal(argmaxRow(fast, 7), 67 - 48);
  assert.equal(fast.reduce((a, b) => a + b, 0), 8);
});

Deno.test("notesRoll() moves pitches outside the rows by octaves and refuses no notes", () => {
  const roll = notesRoll([{ pitch: 24, start: 0, ticks: 48 }], spec);
  assert.equal(argmaxRow(roll, 0), 0);
  const high = notesRoll([{ pitch: 100, start: 0, ticks: 48 }], spec);
  assert.equal(argmaxRow(high, 0) + 48, 100 - 24);
  assert.throws(() => notesRoll([], spec), RangeError);
});

Deno.test("audioRoll() puts a tone in its semitone row and trims the silence around it", () => {
  const rate = 16000;
  const a4 = sine(440, 1, rate);
  const c5 = sine(523.25, 1, rate);
  const samples = new Float32Array(rate * 4);
  samples.set(a4, rate);
  samples.set(c5, rate * 2);
  const roll = audioRoll({ rate, samples }, spec);
  assert.equal(argmaxRow(roll, 0), 69 - 48);
  assert.equal(argmaxRow(roll, 2), 69 - 48);
  assert.equal(argmaxRow(roll, 5), 72 - 48);
  assert.equal(argmaxRow(roll, 7), 72 - 48);
  assert.ok(Math.max(...roll) <= 1 && Math.min(...roll) >= 0);
});

Deno.test("audioRoll() reads the same tone alike at 16 and 44.1 kHz", () => {
  const at = (rate: number) => audioRoll({ rate, samples: sine(330, 1, rate) }, spec);
  const a = at(16000);
  const b = at(44100);
  for (let t = 0; t < spec.frames; t++) assert.equal(argmaxRow(a, t), argmaxRow(b, t));
});

Deno.test("audioRoll() refuses silence and clips shorter than a window", () => {
  assert.throws(() => audioRoll({ rate: 16000, samples: new Float32Array(16000) }, spec), /silent/);
  assert.throws(() => audioRoll({ rate: 16000, samples: new Float32Array(100) }, spec), /shorter/);
});
