import assert from "node:assert/strict";
import { fft, hann, magnitudeSpectrum } from "../../../shared/audio/fft.ts";
import { sine } from "../../support/wav.ts";

Deno.test("fft() matches the direct DFT", () => {
  const n = 16;
  const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3));
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  fft(re, im);
  for (let k = 0; k < n; k++) {
    let r = 0;
    let m = 0;
    for (let t = 0; t < n; t++) {
      r += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
      m += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(re[k]! - r) < 1e-9 && Math.abs(im[k]! - m) < 1e-9, `bin ${k}`);
  }
});

Deno.test("fft() refuses lengths that are not powers of two", () => {
  assert.throws(() => fft(new Float64Array(12), new Float64Array(12)), RangeError);
});

Deno.test("magnitudeSpectrum() peaks at a sine's bin", () => {
  const mags = magnitudeSpectrum(sine(1000, 0.2), 0, hann(1024));
  const peak = mags.indexOf(Math.max(...mags));
  assert.equal(peak, Math.round((1000 * 1024) / 16000));
});
