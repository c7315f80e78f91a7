import assert from "node:assert/strict";
import { AudioFormatError, isWav, readWav } from "../../../shared/audio/wav.ts";
import { wavFile } from "../../support/wav.ts";

Deno.test("readWav() reads 16-bit PCM and mixes channels down", () => {
  const { rate, samples } = readWav(wavFile([0.5, 0, -1, -1], { channels: 2, rate: 22050 }));
  assert.equal(rate, 22050);
  assert.deepEqual(Array.from(samples), [0.25, -1]);
});

Deno.test("readWav() reads 8 and 24-bit PCM and 32-bit float alike", () => {
  const values = [0.5, -0.25, 0];
  for (const options of [{ bits: 8 }, { bits: 24 }, { codec: 3, bits: 32 }]) {
    const { samples } = readWav(wavFile(values, options));
    values.forEach((v, i) => assert.ok(Math.abs(samples[i]! - v) < 0.01, JSON.stringify(options)));
  }
});

Deno.test("readWav() refuses compressed codecs with AudioFormatError, and non-WAV with SyntaxError", () => {
  assert.throws(() => readWav(wavFile([0], { codec: 0x55 })), AudioFormatError);
  assert.throws(() => readWav(wavFile([0], { bits: 12 })), AudioFormatError);
  assert.throws(() => readWav(new TextEncoder().encode("not a wav file at all")), SyntaxError);
  assert.throws(() => readWav(wavFile([0]).subarray(0, 36)), SyntaxError);
  assert.throws(() => readWav(wavFile([0], { rate: 0 })), SyntaxError);
});

Deno.test("isWav() tells RIFF WAVE bytes from others", () => {
  assert.equal(isWav(wavFile([0])), true);
  assert.equal(isWav(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), false);
});
