import assert from "node:assert/strict";
import { VerovioToolkit } from "verovio/esm";
import { Verovio, VerovioError } from "../../../shared/music/verovio.ts";
import { parseToken } from "../../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";

const MEI = tokensToMei(
  "clef-G2 keySignature-DM timeSignature-3/4 note-F#5_quarter note-E5_half barline"
    .split(" ").map(parseToken),
);
const LAYOUT = {
  font: "Leipzig",
  scale: 50,
  spacingLinear: 0.25,
  spacingNonLinear: 0.6,
  marginX: 50,
  marginY: 50,
} as const;

Deno.test("Verovio plays and engraves MEI after it has read ABC", async () => {
  // Verovio 6.3 crashed ("null function") loading MEI by format detection after an ABC load.
  const vrv = await Verovio.create();
  await vrv.toMei("X:1\nT:Scale\nM:4/4\nL:1/8\nK:D\nDFAF dFAF|\n", "abc");
  const midi = await vrv.toMidi(MEI);
  assert.equal(new TextDecoder().decode(midi.subarray(0, 4)), "MThd");
  await vrv.toMei("X:1\nT:Scale\nM:4/4\nL:1/8\nK:D\nDFAF dFAF|\n", "abc");
  assert.match(await vrv.renderStaffSvg(MEI, LAYOUT), /^<svg /);
});

Deno.test("Verovio lets go of a toolkit it discards after a WASM exception", async () => {
  // Verovio's static registry kept every toolkit (a WASM module and 128 MiB memory each) alive.
  const registry = (VerovioToolkit as unknown as { instances: unknown[] }).instances;
  const vrv = await Verovio.create();
  const before = registry.length;
  for (let i = 0; i < 3; i++) {
    // Read as ABC, this text makes Verovio 6.3 call a null function in WASM.
    await assert.rejects(vrv.toMei("hello", "abc"), (e) => e instanceof VerovioError && e.crashed);
  }
  assert.equal(registry.length, before - 1, "the crashed toolkits are gone");
  assert.match(await vrv.toMei("X:1\nT:Scale\nM:4/4\nL:1/8\nK:D\nDFAF dFAF|\n", "abc"), /<mei/);
  assert.equal(registry.length, before, "one toolkit again, the fresh one");
});
