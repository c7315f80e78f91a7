import assert from "node:assert/strict";
import { splitExcerpts } from "../../../shared/library/excerpts.ts";

/** An MEI score of one staff from measures of layer content (MEI notes and definitions). */
function mei(scoreDef: string, measures: string[]): string {
  const body = measures.map((m, i) =>
    `<measure n="${i + 1}"><staff n="1"><layer n="1">${m}</layer></staff></measure>`
  ).join("");
  return `<mei><music><body><mdiv><score>${scoreDef}<section>${body}</section></score></mdiv></body></music></mei>`;
}

const DEF = '<scoreDef key.sig="2s" meter.count="2" meter.unit="4"><staffGrp>' +
  '<staffDef n="1" clef.shape="G" clef.line="2"/></staffGrp></scoreDef>';
const NOTES = '<note pname="d" oct="5" dur="4"/><note pname="f" oct="5" dur="4"/>';

Deno.test("splitExcerpts() cuts N measures at a time and restates what is in force", () => {
  const excerpts = splitExcerpts(mei(DEF, [NOTES, NOTES, NOTES]), 2);
  assert.deepEqual(excerpts.map((e) => [e.position, e.firstMeasure, e.lastMeasure]), [
    [0, 1, 2],
    [1, 3, 3],
  ]);
  assert.equal(
    excerpts[1]!.tokens.join(" "),
    "clef-G2 keySignature-DM timeSignature-2/4 note-D5_quarter note-F#5_quarter barline",
  );
});

Deno.test("splitExcerpts() carries changes of clef, key and meter into later excerpts", () => {
  const change = '<clef shape="F" line="4"/><keySig sig="1f"/><meterSig count="3" unit="4"/>' +
    '<note pname="b" oct="3" dur="2"/><note pname="a" oct="3" dur="4"/>';
  const excerpts = splitExcerpts(mei(DEF, [NOTES, change, NOTES]), 1);
  assert.equal(
    excerpts[1]!.tokens.join(" "),
    "clef-F4 keySignature-FM timeSignature-3/4 note-Bb3_half note-A3_quarter barline",
  );
  // The third measure has no definitions of its own: those of the second are in force.
  assert.match(excerpts[2]!.tokens.join(" "), /^clef-F4 keySignature-FM timeSignature-3\/4 /);
});

Deno.test("splitExcerpts() leaves out excerpts without a note, keeping measure numbers", () => {
  const excerpts = splitExcerpts(mei(DEF, [NOTES, "<mRest/>", NOTES]), 1);
  assert.deepEqual(excerpts.map((e) => [e.position, e.firstMeasure]), [[0, 1], [1, 3]]);
});

Deno.test("splitExcerpts() rejects MEI without a staff and a bad excerpt length", () => {
  assert.throws(() => splitExcerpts("<mei><music/></mei>", 4), SyntaxError);
  assert.throws(() => splitExcerpts(mei(DEF, []), 4), /no staff layer/);
  assert.throws(() => splitExcerpts(mei(DEF, [NOTES]), 0), RangeError);
});
