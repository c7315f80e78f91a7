import assert from "node:assert/strict";
import { parseToken } from "../../../shared/music/semantic_tokens.ts";
import { semanticToTimeline } from "../../../shared/music/timeline.ts";

const timeline = (tokens: string) => semanticToTimeline(tokens.split(" ").map(parseToken));

Deno.test("semanticToTimeline() places notes after rests and merges ties of one pitch", () => {
  assert.deepEqual(
    timeline(
      "timeSignature-3/4 rest-quarter note-C4_half barline note-C4_quarter tie note-C4_eighth note-Eb4_eighth.",
    ),
    [
      { pitch: 60, start: 48, ticks: 96 },
      { pitch: 60, start: 144, ticks: 72 },
      { pitch: 63, start: 216, ticks: 36 },
    ],
  );
});

Deno.test("semanticToTimeline() keeps repeated notes apart and gives grace notes no time", () => {
  assert.deepEqual(timeline("note-G4_quarter gracenote-A4_eighth note-G4_quarter"), [
    { pitch: 67, start: 0, ticks: 48 },
    { pitch: 67, start: 48, ticks: 48 },
  ]);
});

Deno.test("semanticToTimeline() advances multi-measure rests by the current meter", () => {
  assert.deepEqual(timeline("timeSignature-6/8 multirest-2 note-D5_eighth"), [
    { pitch: 74, start: 288, ticks: 24 },
  ]);
});
