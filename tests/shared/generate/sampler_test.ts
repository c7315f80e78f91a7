import assert from "node:assert/strict";
import { sampleToken } from "../../../shared/generate/sampler.ts";
import { Rng } from "../../../shared/prng.ts";

const ALL = new Uint8Array([1, 1, 1, 1]);

function counts(logits: number[], mask: Uint8Array, temperature: number, topP: number, n = 4000) {
  const rng = new Rng(`sampler ${temperature} ${topP}`);
  const seen = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) seen[sampleToken(logits, mask, { temperature, topP }, rng)]++;
  return seen.map((c) => c / n);
}

Deno.test("sampleToken() never picks a masked token, even the most likely", () => {
  const seen = counts([9, 1, 1, 0], new Uint8Array([0, 1, 1, 1]), 2, 1);
  assert.equal(seen[0], 0);
  assert.ok(seen[1]! > 0 && seen[3]! > 0);
});

Deno.test("sampleToken() follows the softmax, sharpened by a low temperature", () => {
  const logits = [0, Math.log(3), -Infinity, -Infinity];
  const warm = counts(logits, ALL, 1, 1);
  assert.ok(Math.abs(warm[1]! - 0.75) < 0.03, `p = ${warm[1]}`);
  const cool = counts(logits, ALL, 0.5, 1);
  assert.ok(Math.abs(cool[1]! - 0.9) < 0.03, `p = ${cool[1]}`);
  assert.equal(warm[2]! + warm[3]!, 0, "-Infinity weighs nothing");
});

Deno.test("sampleToken() keeps the smallest nucleus of mass top_p", () => {
  const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity];
  const seen = counts(logits, ALL, 1, 0.7);
  assert.equal(seen[2], 0, "0.5 + 0.3 reaches 0.7 without the third");
  assert.ok(Math.abs(seen[0]! - 0.625) < 0.03, `p = ${seen[0]}`);
  assert.deepEqual(counts(logits, ALL, 1, 0.01, 50), [1, 0, 0, 0], "a tiny top_p is greedy");
});

Deno.test("sampleToken() draws the same tokens from the same seed, others from another", () => {
  const logits = Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const mask = new Uint8Array(50).fill(1);
  const draw = (seed: string) => {
    const rng = new Rng(seed);
    return Array.from(
      { length: 40 },
      () => sampleToken(logits, mask, { temperature: 1, topP: 0.9 }, rng),
    );
  };
  assert.deepEqual(draw("a"), draw("a"));
  assert.notDeepEqual(draw("a"), draw("b"));
});

Deno.test("sampleToken() picks evenly when no allowed logit is finite, and refuses bad input", () => {
  const seen = counts([NaN, -Infinity, NaN, 5], new Uint8Array([1, 1, 1, 0]), 1, 1);
  assert.ok(seen.slice(0, 3).every((p) => Math.abs(p - 1 / 3) < 0.04), String(seen));
  const rng = new Rng("x");
  assert.throws(() => sampleToken([1], [0], { temperature: 1, topP: 1 }, rng), /allows no token/);
  assert.throws(() => sampleToken([1], [1], { temperature: 0, topP: 1 }, rng), RangeError);
  assert.throws(() => sampleToken([1], [1], { temperature: 1, topP: 1.5 }, rng), RangeError);
});
