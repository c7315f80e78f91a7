import assert from "node:assert/strict";
import { notesOf } from "../../web/synth.ts";

Deno.test("notesOf() times notes and rests at the tempo, dots included", () => {
  const notes = notesOf([
    "clef-G2",
    "note-C4_quarter.",
    "note-D4_eighth",
    "rest-half",
    "note-E4_whole",
  ], 120);
  assert.deepEqual(notes, [
    { midi: 60, start: 0, duration: 0.75 },
    { midi: 62, start: 0.75, duration: 0.25 },
    { midi: 64, start: 2, duration: 2 },
  ]);
});

Deno.test("notesOf() sounds tied notes of one pitch once and keeps accidentals", () => {
  const notes = notesOf(["note-F#4_half", "tie", "note-F#4_quarter", "note-Bb4_quarter"], 60);
  assert.deepEqual(notes, [
    { midi: 66, start: 0, duration: 3 },
    { midi: 70, start: 3, duration: 1 },
  ]);
});

Deno.test("notesOf() shortens a multi-measure rest to one bar of the meter", () => {
  const notes = notesOf(["timeSignature-3/4", "multirest-23", "barline", "note-A4_quarter"], 60);
  assert.deepEqual(notes, [{ midi: 69, start: 3, duration: 1 }]);
});

Deno.test("notesOf() gives grace notes a short time and skips tokens it cannot parse", () => {
  const notes = notesOf(["gracenote-D5_eighth", "<17>", "note-C5_quarter"], 60);
  assert.deepEqual(notes, [
    { midi: 74, start: 0, duration: 0.125 },
    { midi: 72, start: 0.125, duration: 1 },
  ]);
});
