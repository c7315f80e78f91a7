import assert from "node:assert/strict";
import { detectScoreFormat } from "../../shared/library/score_format.ts";
import { abcTune } from "../../web/abc.ts";

Deno.test("abcTune() makes bare notes a tune the service reads as ABC", () => {
  const tune = abcTune("DFAF dFAF|GBdB GBdB|");
  assert.equal(tune, "X:1\nL:1/8\nK:C\nDFAF dFAF|GBdB GBdB|\n");
  assert.equal(detectScoreFormat(new TextEncoder().encode(tune)).format, "abc");
});

Deno.test("abcTune() keeps typed header fields before the key it adds", () => {
  assert.equal(abcTune("M:3/4\nL:1/4\nGAB|c2d|"), "X:1\nM:3/4\nL:1/4\nK:C\nGAB|c2d|\n");
  assert.equal(abcTune("M:6/8\r\nDFA dfa|"), "X:1\nM:6/8\nL:1/8\nK:C\nDFA dfa|\n");
  assert.equal(abcTune("X:7\nT:Reel\nK:D\nDFAF|"), "X:7\nT:Reel\nK:D\nDFAF|\n");
});
