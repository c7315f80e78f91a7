import assert from "node:assert/strict";
import {
  formatLabelFile,
  formatToken,
  keyAlter,
  keyName,
  parseLabelFile,
  parseToken,
  parseVocabulary,
} from "../../../shared/music/semantic_tokens.ts";

const PRIMUS = new URL("../../../../shared/data/primus/", import.meta.url);

Deno.test("parseToken() and formatToken() round-trip every PrIMuS semantic vocabulary token", () => {
  const vocab = parseVocabulary(Deno.readTextFileSync(new URL("vocabulary_semantic.txt", PRIMUS)));
  assert.deepEqual(vocab.size, 1781);
  for (const t of vocab) assert.deepEqual(formatToken(parseToken(t)), t);
});

Deno.test("parseToken() rejects malformed tokens with a SyntaxError", () => {
  for (
    const bad of [
      "note-H4_quarter",
      "note-C4_crotchet",
      "clef-X2",
      "keySignature-HM",
      "rest-",
      "foo",
    ]
  ) {
    assert.throws(() => parseToken(bad), SyntaxError);
  }
});

Deno.test("keyAlter() applies sharps and flats in key signature order", () => {
  assert.deepEqual(keyAlter(2, "F"), 1);
  assert.deepEqual(keyAlter(2, "G"), 0);
  assert.deepEqual(keyAlter(-3, "A"), -1);
  assert.deepEqual(keyAlter(-3, "D"), 0);
  assert.deepEqual(keyName(-3), "EbM");
  assert.deepEqual(keyName(7), "C#M");
  assert.throws(() => keyName(8), RangeError);
});

Deno.test("formatLabelFile() writes PrIMuS label files: a TAB after every token, no newline", () => {
  const path = new URL("example/000051652-1_2_1.semantic", PRIMUS);
  const text = Deno.readTextFileSync(path);
  assert.deepEqual(formatLabelFile(parseLabelFile(text)), text);
});
