/**
 * @module Reads RIFF WAVE audio (PCM 8, 16, 24 or 32 bit, or 32/64-bit float) into mono samples.
 * Anything else is an {@linkcode AudioFormatError}, which answers 415.
 */

/** Mono samples in [-1, 1] and their rate. */
export interface Audio {
  /** Samples per second. */
  readonly rate: number;
  /** The channels' mean, one value per frame. */
  readonly samples: Float32Array;
}

/** The bytes are WAV but not a codec this reader decodes (compressed, or odd sample sizes). */
export class AudioFormatError extends Error {
  /** Creates the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "AudioFormatError";
  }
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/** Whether `bytes` start like a RIFF WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return bytes.length >= 12 && tag(0) === "RIFF" && tag(8) === "WAVE";
}

/**
 * Decodes a WAV file to mono.
 *
 * @example
 * ```ts
 * import { readWav } from "./wav.ts";
 * const header = (s: string) => [...s].map((c) => c.charCodeAt(0));
 * const u32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
 * const u16 = (n: number) => [n & 255, n >> 8];
 * const bytes = new Uint8Array([
 *   ...header("RIFF"), ...u32(40), ...header("WAVE"),
 *   ...header("fmt "), ...u32(16), ...u16(1), ...u16(1), ...u32(8000), ...u32(16000), ...u16(2), ...u16(16),
 *   ...header("data"), ...u32(4), 0, 0x40, 0, 0xc0,
 * ]);
 * const { rate, samples } = readWav(bytes);
 * console.assert(rate === 8000 && samples[0] === 0.5 && samples[1] === -0.5);
 * ```
 * @throws {SyntaxError} when the bytes are not a readable RIFF WAVE file.
 * @throws {AudioFormatError} for codecs other than PCM and float.
 */
export function readWav(bytes: Uint8Array): Audio {
  if (!isWav(bytes)) throw new SyntaxError("Cannot read WAV: no RIFF WAVE header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { codec: number; channels: number; rate: number; bits: number } | undefined;
  for (let off = 12; off + 8 <= bytes.length;) {
    const id = String.fromCharCode(...bytes.subarray(off, off + 4));
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + size > bytes.length) {
        throw new SyntaxError("Cannot read WAV: fmt chunk is truncated");
      }
      let codec = view.getUint16(body, true);
      if (codec === EXTENSIBLE && size >= 26) codec = view.getUint16(body + 24, true);
      format = {
        codec,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (format === undefined) throw new SyntaxError("Cannot read WAV: data before fmt chunk");
      return {
        rate: format.rate,
        samples: decode(bytes, body, Math.min(size, bytes.length - body), format),
      };
    }
    off = body + size + (size % 2);
  }
  throw new SyntaxError("Cannot read WAV: no data chunk");
}

function decode(
  bytes: Uint8Array,
  start: number,
  size: number,
  format: { codec: number; channels: number; rate: number; bits: number },
): Float32Array {
  const { codec, channels, rate, bits } = format;
  if (channels < 1 || rate < 1) {
    throw new SyntaxError(`Cannot read WAV: ${channels} channels at ${rate} Hz`);
  }
  const read = sampleReader(codec, bits);
  const width = bits / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames = Math.floor(size / (width * channels));
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(view, start + (i * channels + c) * width);
    out[i] = sum / channels;
  }
  return out;
}

type SampleReader = (view: DataView, at: number) => number;

function sampleReader(codec: number, bits: number): SampleReader {
  if (codec === PCM) {
    if (bits === 8) return (v, at) => (v.getUint8(at) - 128) / 128;
    if (bits === 16) return (v, at) => v.getInt16(at, true) / 32768;
    if (bits === 24) {
      return (v, at) => ((v.getInt8(at + 2) << 16) | (v.getUint16(at, true))) / 8388608;
    }
    if (bits === 32) return (v, at) => v.getInt32(at, true) / 2147483648;
  } else if (codec === FLOAT) {
    if (bits === 32) return (v, at) => v.getFloat32(at, true);
    if (bits === 64) return (v, at) => v.getFloat64(at, true);
  } else {
    throw new AudioFormatError(
      `WAV codec 0x${codec.toString(16)} is not supported: send PCM or IEEE float WAV`,
    );
  }
  throw new AudioFormatError(
    `WAV with ${bits}-bit samples is not supported: send 8, 16, 24 or 32-bit PCM`,
  );
}
