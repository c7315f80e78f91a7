import assert from "node:assert/strict";
import {
  durationTicks,
  formatMelodyToken,
  melodyToSemantic,
  meterTicks,
  parseMelodyToken,
  restsFor,
  TICKS_PER_QUARTER,
} from "../../../shared/music/melody_tokens.ts";
import { formatToken } from "../../../shared/music/semantic_tokens.ts";

Deno.test("durationTicks() gives whole ticks for dotted and double-dotted values", () => {
  assert.equal(durationTicks("quarter", 0), TICKS_PER_QUARTER);
  assert.equal(durationTicks("half", 2), 168);
  assert.equal(durationTicks("thirty_second", 1), 9);
  assert.equal(durationTicks("sixty_fourth", 0), undefined);
  assert.equal(durationTicks("quarter", 3), undefined);
});

Deno.test("meterTicks() reads n/d, C and C/ and refuses other forms", () => {
  assert.equal(meterTicks("6/8"), 144);
  assert.equal(meterTicks("C"), 192);
  assert.equal(meterTicks("C/"), 192);
  assert.equal(meterTicks("3/2"), 288);
  assert.equal(meterTicks("3/5"), undefined);
  assert.equal(meterTicks("waltz"), undefined);
});

Deno.test("parseMelodyToken() and formatMelodyToken() round-trip every kind", () => {
  for (
    const t of [
      "<pad>",
      "<bos>",
      "key:-3",
      "meter:6/8",
      "n:F#5",
      "n:Bb3",
      "rest",
      "d:quarter.",
      "tie",
      "bar",
    ]
  ) {
    assert.equal(formatMelodyToken(parseMelodyToken(t)), t);
  }
});

Deno.test("parseMelodyToken() refuses unknown tokens with a SyntaxError quoting them", () => {
  for (
    const t of [
      "key:9",
      "meter:7/5",
      "n:H4",
      "d:sixty_fourth",
      "d:quarter...",
      "note-C4_quarter",
      "",
    ]
  ) {
    assert.throws(
      () => parseMelodyToken(t),
      (e: Error) => e instanceof SyntaxError && e.message.includes(`"${t}"`),
    );
  }
});

Deno.test("restsFor() fills a length with the fewest rests and refuses impossible lengths", () => {
  assert.deepEqual(restsFor(144), [{ duration: "half", dots: 1 }]);
  assert.deepEqual(restsFor(240), [{ duration: "whole", dots: 0 }, {
    duration: "quarter",
    dots: 0,
  }]);
  assert.equal(restsFor(5), undefined);
});

Deno.test("melodyToSemantic() maps a line onto semantic tokens with a clef for its range", () => {
  const line = [
    "<bos>",
    "key:2",
    "meter:3/4",
    "n:F#5",
    "d:half",
    "tie",
    "n:F#5",
    "d:quarter",
    "bar",
    "rest",
    "d:half.",
    "bar",
  ];
  assert.deepEqual(melodyToSemantic(line).map(formatToken), [
    "clef-G2",
    "keySignature-DM",
    "timeSignature-3/4",
    "note-F#5_half",
    "tie",
    "note-F#5_quarter",
    "barline",
    "rest-half.",
    "barline",
  ]);
  const low = melodyToSemantic(["key:0", "meter:C", "n:C3", "d:whole", "bar"]);
  assert.equal(formatToken(low[0]!), "clef-F4");
});

Deno.test("melodyToSemantic() names the first token out of place", () => {
  assert.throws(
    () => melodyToSemantic(["key:0", "d:quarter"]),
    /token 1 "d:quarter" is out of place/,
  );
  assert.throws(() => melodyToSemantic(["key:0", "n:C4", "bar"]), /token 2 "bar" is out of place/);
  assert.throws(
    () => melodyToSemantic(["key:0", "rest", "d:half", "tie"]),
    /"tie" is out of place/,
  );
  assert.throws(() => melodyToSemantic(["key:0", "n:C4"]), /ends inside a note/);
});
