import assert from "node:assert/strict";
import { combineStaves } from "../../../shared/music/combine_staves.ts";
import * as music from "../../../shared/music/mod.ts";

const words = (text: string) => text.split(" ").filter((t) => t !== "");

Deno.test("combineStaves() drops a following staff's restated clef, key and time", () => {
  const combined = combineStaves([
    words("clef-G2 keySignature-DM timeSignature-4/4 note-F#4_quarter note-G4_half. barline"),
    words("clef-G2 keySignature-DM timeSignature-4/4 note-A4_whole barline"),
    words("clef-G2 keySignature-DM note-D4_whole barline"),
  ]);
  assert.deepEqual(
    combined,
    words(
      "clef-G2 keySignature-DM timeSignature-4/4 note-F#4_quarter note-G4_half. barline " +
        "note-A4_whole barline note-D4_whole barline",
    ),
  );
});

Deno.test("combineStaves() keeps a real change of clef, key or time at a staff's start", () => {
  const combined = combineStaves([
    words("clef-G2 keySignature-DM timeSignature-3/4 note-D5_half. barline"),
    words("clef-F4 keySignature-DM timeSignature-3/4 note-D3_half. barline"),
    words("clef-F4 keySignature-BbM timeSignature-C note-Bb2_whole barline"),
    // Back to the first key: a change again, not a restatement.
    words("clef-F4 keySignature-DM timeSignature-C note-D3_whole barline"),
  ]);
  assert.deepEqual(
    combined,
    words(
      "clef-G2 keySignature-DM timeSignature-3/4 note-D5_half. barline " +
        "clef-F4 note-D3_half. barline keySignature-BbM timeSignature-C note-Bb2_whole barline " +
        "keySignature-DM note-D3_whole barline",
    ),
  );
});

Deno.test("combineStaves() tracks a change inside a staff, and keeps later headers there", () => {
  const combined = combineStaves([
    words("clef-G2 keySignature-CM note-C5_half clef-F4 note-C3_half barline"),
    // The clef in force is now F4, so G2 is a change; a clef after the notes is never dropped.
    words("clef-G2 keySignature-CM note-G4_half clef-G2 note-A4_half barline"),
  ]);
  assert.deepEqual(
    combined,
    words(
      "clef-G2 keySignature-CM note-C5_half clef-F4 note-C3_half barline " +
        "clef-G2 note-G4_half clef-G2 note-A4_half barline",
    ),
  );
});

Deno.test("combineStaves() puts a barline between staves only where one is missing", () => {
  assert.deepEqual(
    combineStaves([
      words("clef-C1 keySignature-EbM timeSignature-2/4 note-Bb4_quarter note-G4_quarter"),
      words("clef-C1 keySignature-EbM note-Eb5_half barline"),
      words("clef-C1 keySignature-EbM rest-half"),
    ]),
    words(
      "clef-C1 keySignature-EbM timeSignature-2/4 note-Bb4_quarter note-G4_quarter barline " +
        "note-Eb5_half barline rest-half",
    ),
  );
});

Deno.test("combineStaves() skips empty staves and staves that only restate the header", () => {
  assert.deepEqual(combineStaves([]), []);
  assert.deepEqual(combineStaves([[], []]), []);
  assert.deepEqual(
    combineStaves([
      [],
      words("clef-G2 keySignature-GM note-G4_whole"),
      [],
      words("clef-G2 keySignature-GM"),
      words("clef-G2 note-B4_whole barline"),
    ]),
    words("clef-G2 keySignature-GM note-G4_whole barline note-B4_whole barline"),
  );
  // A staff of only a header adds no barline before the music that follows it.
  assert.deepEqual(
    combineStaves([words("clef-G2"), words("clef-G2 note-C5_whole")]),
    words("clef-G2 note-C5_whole"),
  );
});

Deno.test("combineStaves() is exported from the music module", () => {
  assert.equal(music.combineStaves, combineStaves);
});
