import assert from "node:assert/strict";
import { pieceKey } from "../../../models/data/sources.ts";
import { pieceSplit, sampleSplit } from "../../../models/data/split.ts";

Deno.test("pieceSplit() depends on the piece key only and keeps about 90/5/5 of pieces", () => {
  const counts: Record<string, number> = { train: 0, val: 0, test: 0 };
  for (let i = 0; i < 10000; i++) {
    const key = `style/piece-${i}`;
    assert.equal(pieceSplit(key), pieceSplit(key));
    counts[pieceSplit(key)]!++;
  }
  assert.ok(counts.val! > 400 && counts.val! < 600, `val ${counts.val}`);
  assert.ok(counts.test! > 400 && counts.test! < 600, `test ${counts.test}`);
});

Deno.test("pieceKey() gives variants and re-transcriptions of one piece the same key", () => {
  const abc = (rel: string) => ({ style: rel.split("/")[0]!, rel, format: "abc" as const });
  const mxl = (rel: string) => ({ style: rel.split("/")[0]!, rel, format: "mxl" as const });
  // O'Neill tunes appear in two transcriptions (e.g. 0626-0635 and 0626-0700): keyed by O'Neill number.
  assert.equal(
    pieceKey(abc("irish-folk/0626-0635.abc"), "630"),
    pieceKey(abc("irish-folk/0626-0700.abc"), "630"),
  );
  assert.equal(
    pieceKey(mxl("bach-chorale/bwv248.9-s.mxl"), "0"),
    pieceKey(mxl("bach-chorale/bwv248.9-1.mxl"), "0"),
  );
  assert.notEqual(
    pieceKey(mxl("bach-chorale/bwv248.9-1.mxl"), "0"),
    pieceKey(mxl("bach-chorale/bwv248.12-2.mxl"), "0"),
  );
  // Movements of one quartet share a work: they stay in one split.
  assert.equal(
    pieceKey(mxl("classical/mozart/k458/movement1.mxl"), "0"),
    pieceKey(mxl("classical/mozart/k458/movement3.mxl"), "0"),
  );
  assert.notEqual(
    pieceKey(abc("extra-nottingham-folk/jigs.abc"), "1"),
    pieceKey(abc("extra-nottingham-folk/jigs.abc"), "2"),
  );
});

Deno.test("sampleSplit() puts exactly 17 of every 20 samples in train and one in each test split", () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 2000; i++) counts[sampleSplit(i)] = (counts[sampleSplit(i)] ?? 0) + 1;
  assert.deepEqual(counts, { train: 1700, val: 100, test: 100, test_camera: 100 });
});
