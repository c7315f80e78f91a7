import assert from "node:assert/strict";
import { NGram } from "../../../models/eval/ngram.ts";
import { Rbm } from "../../../models/eval/rbm.ts";
import { Rng } from "../../../shared/prng.ts";

const sumExp = (xs: Float32Array) => xs.reduce((s, v) => s + Math.exp(v), 0);

Deno.test("NGram.logits() are log-probabilities that follow the counted continuations", () => {
  const ng = new NGram(3, 6, 2);
  for (let i = 0; i < 20; i++) ng.add(0, [1, 2, 3, 4, 2, 3, 4]);
  ng.add(1, [1, 5, 5, 5]);
  const p = ng.logits(0, [1, 2, 3]);
  assert.ok(Math.abs(sumExp(p) - 1) < 1e-5);
  assert.equal(p.indexOf(Math.max(...p)), 4); // after "2 3" comes 4
  const q = ng.logits(1, [1, 5]);
  assert.equal(q.indexOf(Math.max(...q)), 5); // the other genre's table
  const unseen = ng.logits(0, [0, 0]);
  assert.ok(Math.abs(sumExp(unseen) - 1) < 1e-5 && unseen.every(Number.isFinite));
});

Deno.test("Rbm.logits() equal the free-energy differences of the window's completions", () => {
  const [S, V, G, H] = [3, 4, 2, 5];
  const rng = new Rng("rbm-test");
  const nVis = S * V + G;
  const weights = {
    window: S,
    hidden: H,
    vocab: ["<pad>", "<bos>", "a", "b"],
    genres: ["x", "y"],
    W: Array.from({ length: nVis * H }, () => rng.next() - 0.5),
    b: Array.from({ length: nVis }, () => rng.next() - 0.5),
    c: Array.from({ length: H }, () => rng.next() - 0.5),
  };
  const rbm = new Rbm(weights);
  // Brute force: -F(v) = b.v + sum_j softplus(c_j + (v W)_j) for the one-hot window ending in k.
  const negFree = (ids: number[], genre: number) => {
    const on = [...ids.map((id, slot) => slot * V + id), S * V + genre];
    let s = on.reduce((acc, i) => acc + weights.b[i]!, 0);
    for (let j = 0; j < H; j++) {
      const x = weights.c[j]! + on.reduce((acc, i) => acc + weights.W[i * H + j]!, 0);
      s += Math.log1p(Math.exp(x));
    }
    return s;
  };
  const logits = rbm.logits(1, [1, 2]);
  const expected = [0, 1, 2, 3].map((k) => negFree([1, 2, k], 1));
  for (let k = 1; k < V; k++) {
    assert.ok(Math.abs((logits[k]! - logits[0]!) - (expected[k]! - expected[0]!)) < 1e-4);
  }
  // A short context is left-padded with <pad> (id 0).
  const short = rbm.logits(0, [1]);
  const padded = [0, 1, 2, 3].map((k) => negFree([0, 1, k], 0));
  assert.ok(Math.abs((short[3]! - short[2]!) - (padded[3]! - padded[2]!)) < 1e-4);
});
