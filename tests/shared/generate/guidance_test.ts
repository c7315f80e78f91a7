import assert from "node:assert/strict";
import { guideLogits } from "../../../shared/generate/guidance.ts";

const logSoftmax = (xs: number[]) => {
  const z = Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
  return xs.map((x) => x - z);
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-9, `${x} vs ${b[i]}`));

Deno.test("guideLogits() with weight 0 is the genre's own log-softmax", () => {
  const logits = new Float32Array([1, 2, 3, 3, 2, 1]);
  close(guideLogits(logits, 3, 1, 0), logSoftmax([3, 2, 1]));
  close(guideLogits(logits, 3, 0, 0), logSoftmax([1, 2, 3]));
});

Deno.test("guideLogits() changes nothing when every genre predicts alike", () => {
  const row = [0.5, -1, 2, 0];
  const logits = new Float32Array([...row, ...row, ...row]);
  close(guideLogits(logits, 4, 2, 8), logSoftmax(row));
});

Deno.test("guideLogits() favours what sets the genre apart, more with more weight", () => {
  // Tokens 0 and 1 are equally likely in genre 0; token 1 is rare in the others.
  const logits = new Float32Array([0, 0, 0, 0, -3, 0, 0, -3, 0]);
  const gap = (w: number) => {
    const g = guideLogits(logits, 3, 0, w);
    return g[1]! - g[0]!;
  };
  assert.equal(gap(0), 0);
  assert.ok(gap(1) > 0);
  assert.ok(gap(4) > gap(1));
  // By the formula: (1 + w) * 0 - w * (log m1 - log m0), m the mean of the genres' softmaxes.
  const p = (row: number[]) => logSoftmax(row).map(Math.exp);
  const rows = [p([0, 0, 0]), p([0, -3, 0]), p([0, -3, 0])];
  const m = (v: number) => rows.reduce((s, r) => s + r[v]!, 0) / 3;
  const expected = -2 * (Math.log(m(1)) - Math.log(m(0))) + 0;
  assert.ok(Math.abs(gap(2) - expected) < 1e-9, `${gap(2)} vs ${expected}`);
});

Deno.test("guideLogits() refuses ragged logits, a missing genre row and a bad weight", () => {
  const logits = new Float32Array(6);
  assert.throws(() => guideLogits(logits, 4, 0, 1), /6 logits are not rows of 4/);
  assert.throws(() => guideLogits(logits, 3, 2, 1), /Genre row 2 is not one of 2/);
  assert.throws(() => guideLogits(logits, 3, 0, -1), /Invalid guidance weight -1/);
  assert.throws(() => guideLogits(logits, 3, 0, Infinity), /Invalid guidance weight/);
});
