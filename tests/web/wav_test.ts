import assert from "node:assert/strict";
import { readWav } from "../../shared/audio/wav.ts";
import { encodeWav } from "../../web/wav.ts";

Deno.test("encodeWav() writes 16-bit PCM that the service's WAV reader reads back", () => {
  const samples = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin(i / 10));
  const audio = readWav(encodeWav(samples, 48000));
  assert.equal(audio.rate, 48000);
  assert.equal(audio.samples.length, samples.length);
  for (let i = 0; i < samples.length; i++) {
    assert.ok(Math.abs(audio.samples[i]! - samples[i]!) < 1e-4, `sample ${i}`);
  }
});

Deno.test("encodeWav() clips beyond [-1, 1] and refuses a bad rate", () => {
  const bytes = encodeWav(new Float32Array([2, -2, 1, -1]), 16000);
  const view = new DataView(bytes.buffer);
  assert.deepEqual([0, 1, 2, 3].map((i) => view.getInt16(44 + 2 * i, true)), [
    32767,
    -32768,
    32767,
    -32768,
  ]);
  assert.throws(() => encodeWav(new Float32Array(1), 0), RangeError);
  assert.throws(() => encodeWav(new Float32Array(1), 44100.5), RangeError);
});
