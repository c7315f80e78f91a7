import assert from "node:assert/strict";
import { editDistance } from "../../shared/edit_distance.ts";

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance([], []), 0);
  assert.equal(editDistance(["a", "b"], ["a", "b"]), 0);
  assert.equal(editDistance([], ["a", "b"]), 2);
  assert.equal(editDistance(["a", "b"], []), 2);
  assert.equal(editDistance(["a", "b", "c"], ["a", "x", "c"]), 1);
  assert.equal(editDistance(["a", "c"], ["a", "b", "c"]), 1);
  assert.equal(editDistance(["b", "a"], ["a", "b"]), 2);
});
