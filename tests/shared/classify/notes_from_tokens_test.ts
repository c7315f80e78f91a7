import assert from "node:assert/strict";
import { notesFromTokens, tokenKind } from "../../../shared/classify/notes_from_tokens.ts";
import { Problem } from "../../../shared/problem.ts";

Deno.test("tokenKind() tells melody tokens from semantic ones by the first token", () => {
  assert.equal(tokenKind(["<bos>", "key:0"]), "melody");
  assert.equal(tokenKind(["tie", "bar"]), "melody");
  assert.equal(tokenKind(["clef-G2", "barline"]), "semantic");
  assert.equal(tokenKind(["note-C5_quarter"]), "semantic");
});

Deno.test("notesFromTokens() places melody tokens on the time line, ties merged", () => {
  const line =
    "<bos> key:1 meter:6/8 n:D5 d:quarter. tie bar n:D5 d:eighth n:E5 d:quarter rest d:eighth n:F#5 d:eighth bar";
  const { kind, notes } = notesFromTokens(line.split(" "));
  assert.equal(kind, "melody");
  assert.deepEqual(notes, [
    { pitch: 74, start: 0, ticks: 96 },
    { pitch: 76, start: 96, ticks: 48 },
    { pitch: 78, start: 168, ticks: 24 },
  ]);
});

Deno.test("notesFromTokens() reads semantic tokens as /v1/recognize answers them", () => {
  const tokens = "clef-G2 keySignature-DM timeSignature-3/4 note-F#5_quarter note-E5_eighth. " +
    "note-D5_sixteenth note-C#5_quarter barline multirest-2 note-A4_half. barline";
  const { kind, notes } = notesFromTokens(tokens.split(" "));
  assert.equal(kind, "semantic");
  assert.deepEqual(notes.map((n) => [n.pitch, n.start, n.ticks]), [
    [78, 0, 48],
    [76, 48, 36],
    [74, 84, 12],
    [73, 96, 48],
    [69, 432, 144],
  ]);
});

Deno.test("notesFromTokens() names the index of the first token it cannot read", () => {
  const cases: [string[], number, RegExp][] = [
    [["clef-G2", "note-C5_half", "nonsense"], 2, /token 2 "nonsense" is not a semantic token/],
    [["key:0", "meter:C", "n:C5", "d:forever"], 3, /token 3 "d:forever" is not a melody token/],
    [["key:0", "meter:C", "note-C5_half"], 2, /is not a melody token/],
  ];
  for (const [tokens, index, detail] of cases) {
    assert.throws(() => notesFromTokens(tokens), (e) => {
      assert.ok(e instanceof Problem);
      assert.equal(e.status, 422);
      assert.equal(e.extensions.field, "tokens");
      assert.equal(e.extensions.index, index);
      assert.match(e.message, detail);
      return true;
    });
  }
  assert.throws(() => notesFromTokens(["key:0", "meter:C", "d:whole"]), /out of place/);
  assert.throws(() => notesFromTokens([]), /no tokens/);
});
