import assert from "node:assert/strict";
import {
  decodeBeam,
  decodeGreedy,
  type FrameScores,
  logSoftmax,
  sequenceLogProb,
} from "../../shared/ctc_decode.ts";

/** Frames given as probabilities, turned into log-probabilities. */
function probs(rows: number[][]): FrameScores {
  const classes = rows[0]!.length;
  return { data: Float64Array.from(rows.flat(), Math.log), frames: rows.length, classes };
}

/** Collapses a path the CTC way. */
function collapse(path: number[], blank = 0): string {
  const out: number[] = [];
  path.forEach((c, t) => {
    if (c !== blank && c !== path[t - 1]) out.push(c);
  });
  return out.join(",");
}

/** P(labelling) for every labelling, by enumerating every path (small inputs only). */
function bruteForce(scores: FrameScores): Map<string, number> {
  const totals = new Map<string, number>();
  const walk = (t: number, path: number[], logp: number) => {
    if (t === scores.frames) {
      const key = collapse(path);
      totals.set(key, (totals.get(key) ?? 0) + Math.exp(logp));
      return;
    }
    for (let c = 0; c < scores.classes; c++) {
      walk(t + 1, [...path, c], logp + scores.data[t * scores.classes + c]!);
    }
  };
  walk(0, [], 0);
  return totals;
}

function randomScores(seed: number, frames: number, classes: number): FrameScores {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 6 - 3;
  return logSoftmax(Array.from({ length: frames * classes }, next), frames, classes);
}

Deno.test("decodeGreedy() merges repeats and keeps repeats separated by blanks", () => {
  const scores = probs([
    [0.1, 0.8, 0.1],
    [0.1, 0.8, 0.1],
    [0.8, 0.1, 0.1],
    [0.1, 0.8, 0.1],
    [0.1, 0.1, 0.8],
  ]);
  const decoded = decodeGreedy(scores);
  assert.deepEqual(decoded.tokens, [1, 1, 2]);
  assert.deepEqual(decoded.spans, [[0, 1], [3, 3], [4, 4]]);
  assert.ok(Math.abs(decoded.confidences[0]! - 0.8) < 1e-9);
});

Deno.test("decodeGreedy() of all-blank frames is empty with confidence P(blank path)", () => {
  const scores = probs([[0.9, 0.1], [0.7, 0.3]]);
  const decoded = decodeGreedy(scores);
  assert.deepEqual(decoded.tokens, []);
  assert.ok(Math.abs(decoded.confidence - 0.63) < 1e-9);
});

Deno.test("sequenceLogProb() equals the sum over every path", () => {
  for (const seed of [1, 2, 3]) {
    const scores = randomScores(seed, 5, 3);
    const truth = bruteForce(scores);
    for (const [key, p] of truth) {
      const tokens = key === "" ? [] : key.split(",").map(Number);
      assert.ok(Math.abs(Math.exp(sequenceLogProb(scores, tokens)) - p) < 1e-9, key);
    }
    // A labelling longer than the frames allow has no alignment.
    assert.equal(sequenceLogProb(scores, [1, 1, 1, 1]), -Infinity);
  }
});

Deno.test("decodeBeam() finds the most probable labelling where greedy does not", () => {
  // The best path is blank,blank (labelling "", p = 0.36); "1" sums to 0.24 + 0.24 + 0.16.
  const scores = probs([[0.6, 0.4], [0.6, 0.4]]);
  assert.deepEqual(decodeGreedy(scores).tokens, []);
  const beam = decodeBeam(scores, { beamWidth: 4 });
  assert.deepEqual(beam.tokens, [1]);
  assert.ok(Math.abs(beam.confidence - (0.4 * 0.6 + 0.6 * 0.4 + 0.4 * 0.4)) < 1e-9);
});

Deno.test("decodeBeam() with a wide beam returns the brute-force best labelling", () => {
  for (const seed of [4, 5, 6, 7]) {
    const scores = randomScores(seed, 5, 3);
    const [bestKey, bestP] = [...bruteForce(scores)].sort((a, b) => b[1] - a[1])[0]!;
    const beam = decodeBeam(scores, { beamWidth: 64 });
    assert.equal(beam.tokens.join(","), bestKey);
    assert.ok(Math.abs(beam.confidence - bestP) < 1e-9);
  }
});

Deno.test("decoders honour a blank at another index", () => {
  const scores = probs([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]]);
  assert.deepEqual(decodeGreedy(scores, 2).tokens, [0]);
  assert.deepEqual(decodeBeam(scores, { blank: 2 }).tokens, [0]);
});

Deno.test("decoders reject shapes that do not match the data", () => {
  const bad = { data: new Float32Array(5), frames: 2, classes: 3 };
  assert.throws(() => decodeGreedy(bad), /5 values for shape \[2, 3\]/);
  assert.throws(() => decodeBeam(randomScores(1, 2, 3), { beamWidth: 0 }), /beam width 0/);
  assert.throws(() => decodeGreedy(randomScores(1, 2, 3), 3), /blank 3/);
});

Deno.test("logSoftmax() rows sum to one", () => {
  const scores = logSoftmax([1, 2, 3, -1, 0, 1000], 2, 3);
  for (let t = 0; t < 2; t++) {
    let sum = 0;
    for (let c = 0; c < 3; c++) sum += Math.exp(scores.data[t * 3 + c]!);
    assert.ok(Math.abs(sum - 1) < 1e-12);
  }
});
