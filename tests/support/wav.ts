/**
 * WAV files written for tests: any codec tag, channel count and sample size.
 *
 * @module
 */

/** Options of {@linkcode wavFile}. */
export interface WavOptions {
  /** Samples per second; 16,000 by default. */
  rate?: number;
  /** Interleaved channels; 1 by default. */
  channels?: number;
  /** 1 PCM (default), 3 float, anything else is written as given. */
  codec?: number;
  /** Bits per sample; 16 by default. */
  bits?: number;
}

/** A RIFF WAVE file holding `samples` (interleaved, in [-1, 1]). */
export function wavFile(samples: ArrayLike<number>, options: WavOptions = {}): Uint8Array {
  const { rate = 16000, channels = 1, codec = 1, bits = 16 } = options;
  const width = bits / 8;
  const dataBytes = samples.length * width;
  const bytes = new Uint8Array(44 + dataBytes);
  const v = new DataView(bytes.buffer);
  const tag = (at: number, s: string) => bytes.set(new TextEncoder().encode(s), at);
  tag(0, "RIFF");
  v.setUint32(4, 36 + dataBytes, true);
  tag(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, codec, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * width, true);
  v.setUint16(32, channels * width, true);
  v.setUint16(34, bits, true);
  tag(36, "data");
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    const at = 44 + i * width;
    if (codec === 3) v.setFloat32(at, x, true);
    else if (bits === 16) {
      v.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
    } else if (bits === 24) {
      const n = Math.round(x * 8388607);
      v.setUint16(at, n & 0xffff, true);
      v.setInt8(at + 2, n >> 16);
    } else if (bits === 8) v.setUint8(at, Math.round(x * 127) + 128);
  }
  return bytes;
}

/** `seconds` of a sine at `hz`, amplitude 0.5. */
export function sine(hz: number, seconds: number, rate = 16000): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

/** Options of {@linkcode synthesize}. */
export interface SynthOptions {
  /** Samples per second; 16,000 by default. */
  rate?: number;
  /** Seconds a quarter note lasts; 0.5 (120 beats a minute) by default. */
  quarterSeconds?: number;
}

/**
 * Plays notes on the time line (48 ticks a quarter) as a sum of sines: each note its fundamental
 * and two quieter harmonics, with 10 ms fades, after 0.2 s of silence and before 0.3 s more.
 */
export function synthesize(
  notes: readonly { pitch: number; start: number; ticks: number }[],
  options: SynthOptions = {},
): Float32Array {
  const { rate = 16000, quarterSeconds = 0.5 } = options;
  const seconds = (ticks: number) => (ticks / 48) * quarterSeconds;
  const begin = Math.min(...notes.map((n) => n.start));
  const end = Math.max(...notes.map((n) => n.start + n.ticks));
  const lead = Math.round(0.2 * rate);
  const out = new Float32Array(lead + Math.ceil((seconds(end - begin) + 0.3) * rate));
  const fade = Math.round(0.01 * rate);
  for (const note of notes) {
    const hz = 440 * 2 ** ((note.pitch - 69) / 12);
    const from = lead + Math.round(seconds(note.start - begin) * rate);
    const length = Math.round(seconds(note.ticks) * rate);
    for (let i = 0; i < length; i++) {
      const envelope = Math.min(1, i / fade, (length - i) / fade);
      const phase = (2 * Math.PI * hz * i) / rate;
      const value = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
      out[from + i]! += 0.2 * envelope * value;
    }
  }
  return out;
}
