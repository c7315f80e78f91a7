/**
 * Encodes a recording as the WAV the search takes: 16-bit PCM, mono, at the rate it was
 * captured (the server reads PCM and float WAV only and answers 415 for compressed audio).
 *
 * @module
 */

/**
 * A RIFF WAVE file of `samples` (mono, in [-1, 1], clipped beyond) at `rate` samples a second,
 * as 16-bit little-endian PCM.
 *
 * @example
 * ```ts
 * import { encodeWav } from "./wav.ts";
 * const wav = encodeWav(new Float32Array([0, 0.5, -1]), 48000);
 * console.assert(wav.byteLength === 44 + 3 * 2);
 * console.assert(new TextDecoder().decode(wav.subarray(8, 12)) === "WAVE");
 * ```
 */
export function encodeWav(samples: Float32Array, rate: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new RangeError(`Invalid sample rate ${rate}: expected a positive integer`);
  }
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => bytes.set(new TextEncoder().encode(text), at);
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // one channel
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes a second
  view.setUint16(32, 2, true); // bytes a frame
  view.setUint16(34, 16, true); // bits a sample
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]!));
    // Asymmetric: -1 is -32768, +1 is 32767.
    view.setInt16(44 + i * 2, x < 0 ? x * 32768 : x * 32767, true);
  }
  return bytes;
}
