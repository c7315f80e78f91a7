import assert from "node:assert/strict";
import { meiToAgnostic } from "../../../shared/music/mei_to_agnostic.ts";
import { meiToSemantic } from "../../../shared/music/mei_to_semantic.ts";
import { parseLabelFile, parseToken } from "../../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";

const SAMPLE = new URL("../../../../shared/data/primus/example/000051652-1_2_1.", import.meta.url);
const read = (ext: string) => Deno.readTextFileSync(new URL(SAMPLE.href + ext));

Deno.test("meiToSemantic() reproduces the real PrIMuS sample's semantic label from its MEI", () => {
  assert.deepEqual(meiToSemantic(read("mei")), parseLabelFile(read("semantic")));
});

Deno.test("meiToAgnostic() reproduces the real PrIMuS sample's agnostic label from its MEI", () => {
  assert.deepEqual(meiToAgnostic(read("mei")), parseLabelFile(read("agnostic")));
});

Deno.test("tokensToMei() of the PrIMuS sample's tokens reads back to both of its labels", () => {
  const mei = tokensToMei(parseLabelFile(read("semantic")).map(parseToken));
  assert.deepEqual(meiToSemantic(mei), parseLabelFile(read("semantic")));
  assert.deepEqual(meiToAgnostic(mei), parseLabelFile(read("agnostic")));
});

// Conventions published with PrIMuS (im3 converter tests): tie, dotted beams, fermata, multirest digits.
Deno.test("meiToAgnostic() follows PrIMuS conventions for ties, beams, dots and multirests", () => {
  const semantic = [
    "clef-C1",
    "keySignature-EbM",
    "timeSignature-3/4",
    "multirest-10",
    "barline",
    "note-F5_quarter",
    "note-Eb5_eighth.",
    "note-C5_sixteenth",
    "note-Bb4_eighth",
    "tie",
    "barline",
    "note-Bb4_eighth",
    "rest-quarter_fermata",
    "barline",
  ];
  const mei = tokensToMei(semantic.map(parseToken), { beams: [[6, 7]] });
  assert.deepEqual(meiToAgnostic(mei), [
    "clef.C-L1",
    "accidental.flat-L4",
    "accidental.flat-L2",
    "accidental.flat-S3",
    "digit.3-L4",
    "digit.4-L2",
    "digit.1-S5",
    "digit.0-S5",
    "multirest-L3",
    "barline-L1",
    "note.quarter-L6",
    "note.beamedRight1-S5",
    "dot-S5",
    "note.beamedLeft2-S4",
    "note.eighth-L4",
    "slur.start-L4",
    "barline-L1",
    "slur.end-L4",
    "note.eighth-L4",
    "fermata.above-S6",
    "rest.quarter-L3",
    "barline-L1",
  ]);
  assert.deepEqual(meiToSemantic(mei), semantic);
});
