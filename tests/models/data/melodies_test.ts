import assert from "node:assert/strict";
import { EXCERPT, excerpts, voiceSegments } from "../../../models/data/melodies.ts";
import { readMeiVoices } from "../../../shared/music/mei_reader.ts";
import {
  melodyToSemantic,
  meterTicks,
  parseMelodyToken,
} from "../../../shared/music/melody_tokens.ts";
import { sharedVerovio } from "../../../shared/music/verovio.ts";

const voiceOf = async (abc: string) =>
  readMeiVoices(await (await sharedVerovio()).toMei(abc, "abc"))[0]!;

/** Ticks of each measure of a segment's tokens. */
function measureTicks(tokens: string[]): number[] {
  const out: number[] = [];
  let t = 0;
  for (const tok of tokens) {
    const p = parseMelodyToken(tok);
    if (p.kind === "duration") t += p.ticks;
    if (p.kind === "bar") {
      out.push(t);
      t = 0;
    }
  }
  return out;
}

Deno.test("voiceSegments() encodes a tune with its pickup, ties and rests as whole measures", async () => {
  const voice = await voiceOf("X:1\nM:3/4\nL:1/8\nK:D\nA|d2 f2 a2-|a2 z2 B>c|d6|]\n");
  const [seg, ...rest] = voiceSegments(voice);
  assert.equal(rest.length, 0);
  assert.equal(seg!.fifths, 2);
  assert.equal(seg!.meter, "3/4");
  const tokens = seg!.measures.flat();
  assert.deepEqual(tokens.slice(0, 3), ["n:A4", "d:eighth", "bar"]);
  assert.ok(tokens.includes("tie"));
  assert.ok(tokens.includes("rest"));
  assert.ok(tokens.includes("n:F#5"), "the key signature's sharp is in the pitch");
  assert.deepEqual(measureTicks(tokens), [24, 144, 144, 144]);
  // The encoding maps back onto semantic tokens.
  const semantic = melodyToSemantic([`key:${seg!.fifths}`, `meter:${seg!.meter}`, ...tokens]);
  assert.deepEqual(semantic.slice(0, 3).map((t) => t.kind), [
    "clef",
    "keySignature",
    "timeSignature",
  ]);
  assert.equal(
    semantic.filter((t) => t.kind === "note" || t.kind === "rest").length,
    tokens.filter((t) => t.startsWith("d:")).length,
  );
});

Deno.test("voiceSegments() cuts at a meter change and at tuplets", async () => {
  const voice = await voiceOf("X:1\nM:2/4\nL:1/8\nK:C\ncdef|g2 g2|(3abc a2|[M:3/4]c2 d2 e2|f6|]\n");
  const segments = voiceSegments(voice);
  assert.deepEqual(segments.map((s) => [s.meter, s.measures.length]), [["2/4", 2], ["3/4", 2]]);
  for (const s of segments) {
    for (const t of measureTicks(s.measures.flat())) assert.equal(t, meterTicks(s.meter));
  }
});

Deno.test("excerpts() cuts segments into windows of whole measures with a header", () => {
  const bar = ["n:C5", "d:half", "bar"];
  const seg = { fifths: -1, meter: "2/4", measures: Array.from({ length: 30 }, () => bar) };
  const ex = excerpts(seg);
  assert.equal(ex.length, 2); // starts 0 and 8 (8 + 16 <= 30; 16 + 16 > 30)
  for (const e of ex) {
    assert.deepEqual(e.slice(0, 2), ["key:-1", "meter:2/4"]);
    assert.equal(e.filter((t) => t === "bar").length, EXCERPT.measures);
  }
  assert.equal(
    excerpts({ ...seg, measures: seg.measures.slice(0, EXCERPT.minMeasures - 1) }).length,
    0,
  );
});
