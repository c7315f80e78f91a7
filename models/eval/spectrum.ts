/**
 * @module The seed's spectrogram comparison: MIDI rendered to audio with FluidSynth (General MIDI
 * soundfont, Debian `fluidsynth` + `fluid-soundfont-gm`), then spectrogram statistics.
 */
import { fft } from "../../shared/audio/fft.ts";
import { readWav } from "../../shared/audio/wav.ts";

/** The soundfont Debian's fluid-soundfont-gm installs. */
export const SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
const RATE = 22050;
const FFT = 2048;
const HOP = 1024;
/** Log-spaced bands from 55 Hz to 7 kHz. */
export const BANDS = 24;

/** Spectrogram statistics of one rendering. */
export interface SpectrumStats {
  /** Mean energy share per band (sums to 1). */
  bands: number[];
  /** Mean spectral centroid in Hz over frames with sound. */
  centroid: number;
  /** Share of frames with sound. */
  active: number;
}

/** How {@linkcode renderAudio} renders. */
export interface RenderOptions {
  /** Samples per second; 22,050 by default. */
  readonly rate?: number;
  /** FluidSynth's master gain; 0.6 by default. */
  readonly gain?: number;
  /** Further FluidSynth settings (`-o name=value`), e.g. `synth.reverb.room-size=0.4`. */
  readonly settings?: readonly string[];
}

/** Renders MIDI bytes to mono samples with FluidSynth (temporary files in `dir`). */
export async function renderAudio(
  midi: Uint8Array,
  dir: string,
  options: RenderOptions = {},
): Promise<Float32Array> {
  const { rate = RATE, gain = 0.6, settings = [] } = options;
  const mid = await Deno.makeTempFile({ dir, suffix: ".mid" });
  const wav = mid.replace(/\.mid$/, ".wav");
  await Deno.writeFile(mid, midi);
  const out = await new Deno.Command("fluidsynth", {
    args: [
      ...["-ni", "-q", "-g", String(gain), "-r", String(rate)],
      ...settings.flatMap((s) => ["-o", s]),
      ...["-F", wav, "-T", "wav", "-O", "s16", SOUNDFONT, mid],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  try {
    if (!out.success) throw new Error(`fluidsynth failed: ${new TextDecoder().decode(out.stderr)}`);
    return readWav(await Deno.readFile(wav)).samples;
  } finally {
    await Deno.remove(mid);
    await Deno.remove(wav).catch(() => {});
  }
}

/** Band energies and centroid of a signal (Hann window, frames with sound only). */
export function spectrumStats(samples: Float32Array): SpectrumStats {
  const bands = new Float64Array(BANDS);
  const edges = Array.from({ length: BANDS + 1 }, (_, i) => 55 * (7000 / 55) ** (i / BANDS));
  let centroidSum = 0;
  let frames = 0;
  let active = 0;
  for (let start = 0; start + FFT <= samples.length; start += HOP) {
    frames++;
    const re = new Float64Array(FFT);
    const im = new Float64Array(FFT);
    for (let i = 0; i < FFT; i++) {
      re[i] = samples[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FFT - 1)));
    }
    fft(re, im);
    let total = 0;
    let weighted = 0;
    const frameBands = new Float64Array(BANDS);
    for (let k = 1; k < FFT / 2; k++) {
      const f = (k * RATE) / FFT;
      const p = re[k]! ** 2 + im[k]! ** 2;
      total += p;
      weighted += p * f;
      const band = edges.findIndex((e, i) => i > 0 && f < e) - 1;
      if (band >= 0 && f >= edges[0]!) frameBands[band]! += p;
    }
    if (total < 1e-6) continue;
    active++;
    centroidSum += weighted / total;
    const inBands = frameBands.reduce((a, b) => a + b, 0) || 1;
    for (let b = 0; b < BANDS; b++) bands[b]! += frameBands[b]! / inBands;
  }
  const norm = bands.reduce((a, b) => a + b, 0) || 1;
  return {
    bands: Array.from(bands, (v) => v / norm),
    centroid: active ? centroidSum / active : 0,
    active: frames ? active / frames : 0,
  };
}
