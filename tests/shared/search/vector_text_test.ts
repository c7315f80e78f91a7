import assert from "node:assert/strict";
import { vectorText } from "../../../shared/search/vector_text.ts";

Deno.test("vectorText() writes pgvector's text form and refuses values it cannot store", () => {
  assert.equal(vectorText(new Float32Array([0.25, -1, 0])), "[0.25,-1,0]");
  assert.equal(vectorText([]), "[]");
  assert.throws(() => vectorText([1, NaN]), new RangeError("Invalid embedding: value 1 is NaN"));
  assert.throws(() => vectorText([Infinity]), /value 0 is Infinity/);
});
