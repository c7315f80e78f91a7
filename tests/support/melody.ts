/**
 * An independent check of melody lines for tests: the header, one duration per event, ties only
 * between notes of one pitch, whole measures (a pickup may open the line), and never two measures
 * of rests alone in a row.
 *
 * @module
 */
import assert from "node:assert/strict";
import { meterTicks, parseMelodyToken } from "../../shared/music/melody_tokens.ts";

/** Asserts `tokens` (after `<bos>`) form a line; returns each measure's length in ticks. */
export function assertGrammatical(tokens: readonly string[], measures?: number): number[] {
  const parsed = tokens.map(parseMelodyToken);
  assert.equal(parsed[0]?.kind, "key", `line starts with a key: ${tokens.slice(0, 3)}`);
  const meter = parsed[1];
  assert.ok(meter?.kind === "meter", `then a meter: ${tokens.slice(0, 3)}`);
  const full = meterTicks(meter.meter)!;
  const lengths: number[] = [];
  let ticks = 0;
  let tiedPitch: string | undefined;
  let sounding = false;
  let silentBefore = false;
  for (let i = 2; i < parsed.length; i++) {
    const t = parsed[i]!;
    const at = `token ${i} "${tokens[i]}" in ${tokens.join(" ")}`;
    if (t.kind === "note" || t.kind === "rest") {
      if (tiedPitch !== undefined) assert.equal(tokens[i], tiedPitch, `tie continues: ${at}`);
      tiedPitch = undefined;
      const d = parsed[i + 1];
      assert.ok(d?.kind === "duration", `a duration follows: ${at}`);
      ticks += d.ticks;
      sounding ||= t.kind === "note";
      i++;
      if (t.kind === "note" && parsed[i + 1]?.kind === "tie") {
        tiedPitch = tokens[i - 1];
        i++;
      }
    } else {
      assert.equal(t.kind, "bar", `only events and bars after the header: ${at}`);
      assert.ok(sounding || !silentBefore, `a second silent measure in a row: ${at}`);
      silentBefore = !sounding;
      sounding = false;
      lengths.push(ticks);
      ticks = 0;
    }
  }
  assert.equal(ticks, 0, `the line ends with a bar: ${tokens.join(" ")}`);
  assert.equal(tiedPitch, undefined, "no tie out of the last measure");
  lengths.forEach((length, m) => {
    if (m === 0) {
      assert.ok(length > 0 && length <= full, `pickup or whole first measure: ${length}`);
    } else assert.equal(length, full, `measure ${m} has ${length} of ${full} ticks`);
  });
  if (measures !== undefined) assert.equal(lengths.length, measures);
  return lengths;
}
