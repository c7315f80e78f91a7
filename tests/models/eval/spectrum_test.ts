import assert from "node:assert/strict";
import { BANDS, renderAudio, SOUNDFONT, spectrumStats } from "../../../models/eval/spectrum.ts";
import { renderMeiMidi } from "../../../shared/music/render_midi.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";
import { melodyToSemantic } from "../../../shared/music/melody_tokens.ts";

const sine = (hz: number, seconds: number) =>
  Float32Array.from(
    { length: Math.round(22050 * seconds) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 22050),
  );

Deno.test("spectrumStats() puts a sine's energy in its band and its centroid at its frequency", () => {
  const s = spectrumStats(sine(440, 1));
  assert.equal(s.bands.length, BANDS);
  assert.ok(Math.abs(s.bands.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const peak = s.bands.indexOf(Math.max(...s.bands));
  const lo = 55 * (7000 / 55) ** (peak / BANDS);
  const hi = 55 * (7000 / 55) ** ((peak + 1) / BANDS);
  assert.ok(lo <= 440 && 440 < hi, `band ${peak}: ${lo}-${hi} Hz`);
  assert.ok(Math.abs(s.centroid - 440) < 30, `centroid ${s.centroid}`);
  assert.equal(s.active, 1);
  assert.equal(spectrumStats(new Float32Array(22050)).active, 0);
});

Deno.test({
  name: "renderAudio() renders a melody with FluidSynth: sound where the notes are",
  ignore: !(() => {
    try {
      return Deno.statSync(SOUNDFONT).isFile;
    } catch {
      return false;
    }
  })(),
  fn: async () => {
    const line = ["key:0", "meter:4/4", "n:A4", "d:whole", "bar", "rest", "d:whole", "bar"];
    const midi = await renderMeiMidi(tokensToMei(melodyToSemantic(line)));
    const dir = await Deno.makeTempDir();
    try {
      const audio = await renderAudio(midi, dir);
      assert.ok(audio.length > 22050 * 3, `${audio.length} samples`);
      const first = spectrumStats(audio.subarray(0, 22050));
      assert.ok(first.active > 0.9);
      assert.ok(first.centroid > 300 && first.centroid < 3000, `centroid ${first.centroid}`);
      assert.deepEqual([...Deno.readDirSync(dir)], [], "temporary files removed");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
