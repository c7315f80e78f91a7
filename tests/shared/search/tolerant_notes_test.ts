import assert from "node:assert/strict";
import { tolerantNotes } from "../../../shared/search/tolerant_notes.ts";

Deno.test("tolerantNotes() skips tokens that do not parse and times the rest", () => {
  const notes = tolerantNotes([
    "clef-G2",
    "<blank>",
    "note-C5_quarter",
    "note-Q9_quarter",
    "rest-quarter",
    "note-E5_half",
    "barline",
  ]);
  assert.deepEqual(notes, [
    { pitch: 72, start: 0, ticks: 48 },
    { pitch: 76, start: 96, ticks: 96 },
  ]);
  assert.deepEqual(tolerantNotes(["nonsense", "clef-G2"]), []);
});
