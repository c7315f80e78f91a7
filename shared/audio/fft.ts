/**
 * @module An in-place radix-2 FFT and a Hann-windowed magnitude spectrum: what spectrograms are
 * made of, in the service and the offline scripts alike.
 */

/**
 * Transforms (re, im) in place; their length must be a power of two.
 *
 * @example
 * ```ts
 * import { fft } from "./fft.ts";
 * const re = new Float64Array([1, 0, 0, 0]);
 * const im = new Float64Array(4);
 * fft(re, im);
 * console.assert(re.every((v) => v === 1));
 * ```
 * @throws {RangeError} when the length is not a power of two.
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n === 0 || (n & (n - 1)) !== 0 || im.length !== n) {
    throw new RangeError(`Invalid FFT length ${n}: expected a power of two for both parts`);
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr0 = Math.cos(ang);
    const wi0 = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let wr = 1;
      let wi = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
        const t = wr * wr0 - wi * wi0;
        wi = wr * wi0 + wi * wr0;
        wr = t;
      }
    }
  }
}

/** A periodic Hann window of `n` samples. */
export function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Magnitudes of bins 0..n/2 of `samples[start, start + window.length)` under `window` (samples
 * past the end count as silence).
 */
export function magnitudeSpectrum(
  samples: Float32Array,
  start: number,
  window: Float64Array,
): Float64Array {
  const n = window.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const end = Math.min(n, samples.length - start);
  for (let i = 0; i < end; i++) re[i] = samples[start + i]! * window[i]!;
  fft(re, im);
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) out[k] = Math.hypot(re[k]!, im[k]!);
  return out;
}
