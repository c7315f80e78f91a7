import assert from "node:assert/strict";
import { meiToAgnostic } from "../../../shared/music/mei_to_agnostic.ts";
import { meiToSemantic } from "../../../shared/music/mei_to_semantic.ts";
import { parseToken } from "../../../shared/music/semantic_tokens.ts";
import { keySignatureSteps } from "../../../shared/music/staff_position.ts";
import { type Engraving, tokensToMei } from "../../../shared/music/tokens_to_mei.ts";
import { MUSIC_FONTS, Verovio } from "../../../shared/music/verovio.ts";
import { agnosticGlyphs, svgGlyphs } from "./svg_glyphs.ts";

/** Staves covering clefs, keys up to 7 sharps/flats, C and C/, dots, ties, rests, multirests, graces, fermatas. */
const STAVES: Array<{ tokens: string; engraving?: Engraving }> = [
  {
    tokens: "clef-G2 keySignature-DM timeSignature-3/4 note-F#5_quarter note-E5_eighth. " +
      "note-D5_sixteenth note-C5_quarter barline note-C#5_half. tie barline note-C#5_quarter rest-half barline",
    engraving: {
      beams: [[4, 5]],
      marks: {
        slurs: [{ from: 3, to: 6 }],
        dynamics: [{ at: 3, text: "mf" }],
        lyrics: [{ at: 3, text: "la" }],
      },
    },
  },
  {
    tokens:
      "clef-F4 keySignature-AbM timeSignature-C note-Ab2_half note-Bb2_quarter note-A2_quarter barline " +
      "note-Ab2_quarter note-C2_eighth note-Db2_eighth note-E3_half_fermata barline multirest-12 barline",
    engraving: {
      stems: { 3: "up", 4: "down" },
      beams: [[9, 10]],
      marks: {
        artics: [{ at: 4, artic: "stacc" }],
        hairpins: [{ from: 3, to: 5, form: "cres" }],
        tempo: "Allegro",
      },
    },
  },
  {
    tokens:
      "clef-C1 keySignature-C#M timeSignature-6/8 gracenote-B#4_eighth note-C#5_eighth note-D#5_eighth " +
      "note-E#5_eighth note-F#5_quarter. barline note-B4_eighth note-B#4_eighth note-B4_eighth rest-quarter. barline",
    engraving: {
      beams: [[4, 5, 6]],
      graceSlash: true,
      marks: {
        tuplets: [{ from: 10, to: 12, num: 3, numbase: 2 }],
        fingerings: [{ at: 4, text: "3" }],
      },
    },
  },
  {
    tokens:
      "clef-C3 keySignature-GbM timeSignature-C/ note-Cb4_whole barline note-Fb4_half note-F4_half barline " +
      "rest-whole_fermata barline",
  },
  {
    tokens:
      "clef-C4 keySignature-BM timeSignature-2/4 note-A#3_sixteenth note-G#3_sixteenth note-F#3_sixteenth " +
      "note-E3_sixteenth note-D#3_eighth.. note-C#3_thirty_second barline note-B2_quarter rest-eighth. rest-sixteenth",
    engraving: { beams: [[3, 4, 5, 6], [7, 8]] },
  },
  // A tie carries an accidental over the barline; the next note of that measure restates it.
  {
    tokens: "clef-G2 keySignature-BbM timeSignature-2/4 note-B4_half tie barline note-B4_quarter " +
      "note-B4_quarter barline",
  },
  {
    tokens: "clef-C2 timeSignature-9/8 note-D4_quarter. note-E4_quarter. note-F4_quarter. barline",
  },
  { tokens: "clef-G1 keySignature-FM timeSignature-2/2 note-C6_half note-G3_half barline" },
  { tokens: "clef-F3 keySignature-EM timeSignature-12/8 note-C3_whole. barline" },
  { tokens: "clef-C5 keySignature-BbM timeSignature-3/2 note-A2_double_whole. barline" },
];

let vrv: Verovio | undefined;
const toolkit = async () => (vrv ??= await Verovio.create());
const LAYOUT = { scale: 100, spacingLinear: 0.25, spacingNonLinear: 0.6, marginX: 50, marginY: 50 };

Deno.test("tokensToMei() labels survive a Verovio render: re-derived semantic and agnostic tokens are equal", async () => {
  const v = await toolkit();
  for (const [k, staff] of STAVES.entries()) {
    const tokens = staff.tokens.split(" ");
    const mei = tokensToMei(tokens.map(parseToken), staff.engraving);
    assert.deepEqual(meiToSemantic(mei), tokens);
    const svg = await v.renderStaffSvg(mei, {
      ...LAYOUT,
      font: MUSIC_FONTS[k % MUSIC_FONTS.length]!,
    });
    const back = await v.getMEI();
    assert.deepEqual(meiToSemantic(back), tokens, `Verovio MEI of staff ${k}`);
    const agnostic = meiToAgnostic(mei);
    assert.deepEqual(meiToAgnostic(back), agnostic, `agnostic of staff ${k}`);
    // Agnostic positions are what Verovio drew: clef, key signature accidentals and noteheads.
    assert.deepEqual(svgGlyphs(svg), agnosticGlyphs(agnostic), `glyph positions of staff ${k}`);
  }
});

Deno.test("keySignatureSteps() matches where Verovio draws every key signature in every clef", async () => {
  const v = await toolkit();
  for (const clef of ["G1", "G2", "F3", "F4", "F5", "C1", "C2", "C3", "C4", "C5"]) {
    for (const fifths of [7, -7]) {
      const tokens = [`clef-${clef}`, `keySignature-${fifths > 0 ? "C#M" : "CbM"}`, "rest-whole"];
      const svg = await v.renderStaffSvg(tokensToMei(tokens.map(parseToken)), {
        ...LAYOUT,
        font: "Leipzig",
      });
      const c = parseToken(tokens[0]!);
      if (c.kind !== "clef") throw new TypeError("Expected a clef");
      assert.deepEqual(
        svgGlyphs(svg).keyAccids,
        keySignatureSteps(c.clef, fifths),
        `${clef} ${fifths}`,
      );
    }
  }
});
