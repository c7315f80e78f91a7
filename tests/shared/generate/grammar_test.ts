import assert from "node:assert/strict";
import { MelodyGrammar } from "../../../shared/generate/grammar.ts";
import { sampleToken } from "../../../shared/generate/sampler.ts";
import { parseManifest } from "../../../shared/models/manifest.ts";
import { melodyToSemantic } from "../../../shared/music/melody_tokens.ts";
import { Rng } from "../../../shared/prng.ts";
import { assertGrammatical } from "../../support/melody.ts";

const VOCABULARY = [
  "<pad>",
  "<bos>",
  "key:0",
  "key:2",
  "meter:3/4",
  "meter:2/4",
  "bar",
  "tie",
  "rest",
  "n:C5",
  "n:D5",
  "d:half.",
  "d:half",
  "d:quarter.",
  "d:quarter",
  "d:eighth",
];

const id = (token: string) => {
  const i = VOCABULARY.indexOf(token);
  assert.ok(i >= 0, token);
  return i;
};
const allowed = (g: MelodyGrammar) => VOCABULARY.filter((_, i) => g.mask()[i] === 1);
const feed = (g: MelodyGrammar, line: string) => line.split(" ").forEach((t) => g.accept(id(t)));

Deno.test("MelodyGrammar allows a key, then a meter, then events, never <pad> or <bos>", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 2 });
  assert.deepEqual(allowed(g), ["key:0", "key:2"]);
  g.accept(id("key:2"));
  assert.deepEqual(allowed(g), ["meter:3/4", "meter:2/4"]);
  g.accept(id("meter:3/4"));
  assert.deepEqual(allowed(g), ["rest", "n:C5", "n:D5"]);
  assert.match(g.reason(id("<bos>"))!, /only starts a line/);
  assert.throws(() => g.accept(id("key:0")), /"key:0" changes the key or meter inside the line/);
});

Deno.test("MelodyGrammar forces the key and meter asked, and refuses ones it lacks", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 1, key: 0, meter: "2/4" });
  assert.deepEqual(allowed(g), ["key:0"]);
  g.accept(id("key:0"));
  assert.deepEqual(allowed(g), ["meter:2/4"]);
  assert.throws(() => new MelodyGrammar(VOCABULARY, { measures: 1, key: 5 }), /key:5/);
  assert.throws(() => new MelodyGrammar(VOCABULARY, { measures: 1, meter: "6/8" }), /meter:6\/8/);
  assert.throws(() => new MelodyGrammar(VOCABULARY, { measures: 0 }), RangeError);
});

Deno.test("MelodyGrammar allows only durations that fit what is left of the measure", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 2 });
  feed(g, "key:0 meter:3/4 n:C5");
  assert.deepEqual(allowed(g), ["d:half.", "d:half", "d:quarter.", "d:quarter", "d:eighth"]);
  feed(g, "d:half n:D5");
  assert.deepEqual(allowed(g), ["d:quarter", "d:eighth"]);
  assert.match(g.reason(id("d:half"))!, /lasts 96 ticks where the measure has 48 left/);
});

Deno.test("MelodyGrammar refuses a duration that leaves a gap no duration fills", () => {
  const vocabulary = ["<bos>", "key:0", "meter:2/4", "bar", "n:C5", "d:half", "d:quarter."];
  const g = new MelodyGrammar(vocabulary, { measures: 1 });
  for (const t of ["key:0", "meter:2/4", "n:C5"]) g.accept(vocabulary.indexOf(t));
  assert.match(g.reason(vocabulary.indexOf("d:quarter."))!, /leaves a gap/);
  assert.equal(g.reason(vocabulary.indexOf("d:half")), undefined);
});

Deno.test("MelodyGrammar allows bar only on a full measure, or after a pickup's first event", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 3 });
  feed(g, "key:0 meter:2/4");
  assert.match(g.reason(id("bar"))!, /has 0 of its 96 ticks/);
  feed(g, "n:C5 d:quarter");
  assert.ok(allowed(g).includes("bar"), "a pickup may end the first measure");
  feed(g, "bar n:D5 d:quarter");
  assert.ok(!allowed(g).includes("bar"), "no second pickup");
  feed(g, "rest d:quarter");
  assert.deepEqual(allowed(g), ["bar"], "a full measure after a rest takes only bar");
});

Deno.test("MelodyGrammar allows a tie only after a note, continued by the same pitch", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 3 });
  feed(g, "key:0 meter:2/4 rest d:quarter");
  assert.match(g.reason(id("tie"))!, /does not follow a note's duration/);
  feed(g, "n:C5 d:quarter");
  assert.deepEqual(allowed(g), ["bar", "tie"]);
  feed(g, "tie bar");
  assert.deepEqual(allowed(g), ["n:C5"]);
  assert.match(g.reason(id("rest"))!, /follows a tie from n:C5/);
  feed(g, "n:C5 d:eighth");
  assert.deepEqual(allowed(g), ["tie", "rest", "n:C5", "n:D5"]);
});

Deno.test("MelodyGrammar ends after the measures asked and never ties the last note", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 2 });
  feed(g, "key:0 meter:2/4 n:C5 d:half bar n:D5 d:half");
  assert.deepEqual(allowed(g), ["bar"]);
  assert.match(g.reason(id("tie"))!, /ties the last note/);
  feed(g, "bar");
  assert.ok(g.done);
  assert.equal(g.bars, 2);
  assert.deepEqual(allowed(g), []);
  assert.match(g.reason(id("n:C5"))!, /after the last of 2 measures/);
});

Deno.test("MelodyGrammar keeps random sampling over the real vocabulary grammatical", async () => {
  const manifest = parseManifest(
    JSON.parse(await Deno.readTextFile(new URL("../../../models/manifest.json", import.meta.url))),
  );
  const vocabulary = manifest.models.find((m) => m.task === "generate")!.vocabularies!.melody!;
  const rng = new Rng("grammar test");
  for (let line = 0; line < 200; line++) {
    const measures = 1 + (line % 6);
    const g = new MelodyGrammar(vocabulary, { measures });
    const tokens: string[] = [];
    const logits = new Float32Array(vocabulary.length);
    while (!g.done) {
      for (let i = 0; i < logits.length; i++) logits[i] = rng.normal() * 3;
      const next = sampleToken(logits, g.mask(), { temperature: 1, topP: 1 }, rng);
      g.accept(next);
      tokens.push(vocabulary[next]!);
    }
    assertGrammatical(tokens, measures);
    melodyToSemantic(tokens);
  }
});

Deno.test("MelodyGrammar does not end a one-measure pickup inside a tie", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 1 });
  feed(g, "key:0 meter:2/4 n:C5 d:quarter tie");
  assert.match(g.reason(id("bar"))!, /ends the line inside a tie/);
  assert.deepEqual(allowed(g), ["n:C5"]);
});

Deno.test("MelodyGrammar never allows two silent measures in a row", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 4 });
  feed(g, "key:0 meter:2/4 rest d:half bar");
  assert.ok(allowed(g).includes("rest"), "a rest may open the measure after a silent one");
  feed(g, "rest");
  assert.match(g.reason(id("d:half"))!, /second silent measure in a row/);
  assert.deepEqual(allowed(g), ["d:quarter.", "d:quarter", "d:eighth"]);
  feed(g, "d:quarter rest");
  assert.match(g.reason(id("d:quarter"))!, /second silent measure/);
  assert.deepEqual(allowed(g), ["d:eighth"], "the rest may not fill what is left");
});

Deno.test("MelodyGrammar refuses a rest that leaves no room for a note after a silent measure", () => {
  const g = new MelodyGrammar(VOCABULARY, { measures: 4 });
  feed(g, "key:0 meter:2/4 rest d:half bar rest d:quarter.");
  assert.match(g.reason(id("rest"))!, /leaves no room for a note/);
  assert.deepEqual(allowed(g), ["n:C5", "n:D5"]);
  feed(g, "n:C5 d:eighth bar rest d:half bar");
  assert.equal(g.bars, 3, "a measure with a note lets the next be silent");
});
