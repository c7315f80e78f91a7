import assert from "node:assert/strict";
import { firstAbcTune, notesFromScore } from "../../../shared/classify/notes_from_score.ts";
import { Problem } from "../../../shared/problem.ts";
import { HUMDRUM_MINUET, MUSICXML_WALTZ } from "../../support/scores.ts";

const MELODIES = new URL("../../../../shared/data/melodies/", import.meta.url).pathname;
const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("firstAbcTune() keeps the file header and the first tune of a collection", () => {
  const text = "%abc-2.1\nX:1\nT:One\nK:G\nGABc|\n\nX:2\nT:Two\nK:D\nDEFG|\n";
  assert.equal(firstAbcTune(text), "%abc-2.1\nX:1\nT:One\nK:G\nGABc|\n\n");
  assert.equal(firstAbcTune("X:1\nK:C\nC|\n"), "X:1\nK:C\nC|\n");
});

Deno.test("notesFromScore() reads the first voice of MusicXML and Humdrum exactly", async () => {
  const waltz = await notesFromScore(encode(MUSICXML_WALTZ), "musicxml");
  assert.deepEqual(waltz.map((n) => [n.pitch, n.start, n.ticks]), [
    [67, 0, 48],
    [71, 48, 48],
    [74, 96, 48],
    [78, 144, 96],
    [76, 240, 48],
    [74, 288, 144],
  ]);
  const minuet = await notesFromScore(encode(HUMDRUM_MINUET), "humdrum");
  assert.deepEqual(minuet.slice(0, 2).map((n) => n.pitch), [62, 66]);
});

Deno.test("notesFromScore() reads the first tune of a real O'Neill's ABC collection", async () => {
  const text = await Deno.readTextFile(`${MELODIES}irish-folk/0001-0050.abc`);
  assert.ok((text.match(/^X:/gm) ?? []).length > 40);
  const notes = await notesFromScore(encode(text), "abc");
  const alone = await notesFromScore(encode(firstAbcTune(text)), "abc");
  assert.deepEqual(notes, alone);
  // "The Enchanted Valley", 2/4 in G minor: G3-A (Bcd=e) | f4 ...
  assert.deepEqual(notes.slice(0, 6).map((n) => [n.pitch, n.start, n.ticks]), [
    [67, 0, 36],
    [69, 36, 12],
    [70, 48, 12],
    [72, 60, 12],
    [74, 72, 12],
    [76, 84, 12],
  ]);
});

Deno.test("notesFromScore() reads real MusicXML and compressed MusicXML", async () => {
  const trecento = await notesFromScore(
    await Deno.readFile(`${MELODIES}medieval/Fava_Dicant_nunc_iudei.xml`),
    "musicxml",
  );
  const chorale = await notesFromScore(
    await Deno.readFile(`${MELODIES}bach-chorale/bwv1.6.mxl`),
    "mxl",
  );
  for (const notes of [trecento, chorale]) {
    assert.ok(notes.length > 20, `${notes.length} notes`);
    notes.slice(1).forEach((n, i) => assert.ok(n.start >= notes[i]!.start + notes[i]!.ticks));
  }
  // bwv1.6's first part: F4 (quarter) G4 (eighth) C4 ...
  assert.deepEqual(chorale.slice(0, 3).map((n) => [n.pitch, n.start, n.ticks]), [
    [65, 0, 48],
    [67, 48, 24],
    [60, 72, 24],
  ]);
});

Deno.test("notesFromScore() answers unreadable files with a 422 naming the body", async () => {
  const cases: [Uint8Array, "musicxml" | "mxl" | "abc", RegExp][] = [
    [new Uint8Array(), "musicxml", /body is empty/],
    [new Uint8Array([0xff, 0xfe, 0x00, 0xd8]), "abc", /not UTF-8 or UTF-16 text/],
    [encode("<html><body>hello</body></html>"), "musicxml", /musicxml/],
    [encode("PK\u0003\u0004 not a zip"), "mxl", /mxl/],
    [encode("X:1\nT:Rests\nM:4/4\nK:C\nz8|z8|\n"), "abc", /has no notes/],
  ];
  for (const [bytes, kind, detail] of cases) {
    await assert.rejects(notesFromScore(bytes, kind), (e) => {
      assert.ok(e instanceof Problem, String(e));
      assert.equal(e.status, 422);
      assert.equal(e.extensions.field, "body");
      assert.match(e.message, detail);
      return true;
    });
  }
});
