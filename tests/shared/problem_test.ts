import assert from "node:assert/strict";
import { Problem, statusTitle } from "../../shared/problem.ts";

Deno.test("Problem.toDocument() has type, title, status, detail and extensions", () => {
  const problem = new Problem(422, "No staff found in the image", {
    slug: "no-staff",
    extensions: { field: "image" },
  });
  assert.deepEqual(problem.toDocument(), {
    type: "urn:stave:problem:no-staff",
    title: "Unprocessable Content",
    status: 422,
    detail: "No staff found in the image",
    field: "image",
  });
});

Deno.test("Problem extensions cannot override the standard members", () => {
  const problem = new Problem(400, "Bad", { extensions: { status: 200, detail: "fine" } });
  assert.equal(problem.toDocument().status, 400);
  assert.equal(problem.toDocument().detail, "Bad");
});

Deno.test("Problem without a slug has type about:blank", () => {
  assert.equal(new Problem(404, "Gone").type, "about:blank");
});

Deno.test("Problem rejects a status outside 400-599", () => {
  assert.throws(() => new Problem(200, "ok"), RangeError);
  assert.throws(() => new Problem(600, "no"), RangeError);
});

Deno.test("statusTitle() names known statuses and falls back to Error", () => {
  assert.equal(statusTitle(413), "Content Too Large");
  assert.equal(statusTitle(418), "Error");
});
