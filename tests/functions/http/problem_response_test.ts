import assert from "node:assert/strict";
import { HTTPException } from "hono/http-exception";
import { toProblem } from "../../../functions/http/problem_response.ts";
import { mediaType } from "../../../functions/http/media_type.ts";
import { ModelIntegrityError, ModelNotFoundError } from "../../../shared/models/mod.ts";
import { ImageFormatError } from "../../../shared/image/image_header.ts";
import { Problem } from "../../../shared/problem.ts";
import { InvalidObjectKeyError, validateObjectKey } from "../../../shared/storage/mod.ts";

Deno.test("toProblem() keeps a Problem as it is", () => {
  const problem = new Problem(422, "No staff found");
  assert.equal(toProblem(problem), problem);
});

Deno.test("toProblem() maps Hono HTTP exceptions by status", () => {
  const problem = toProblem(new HTTPException(400, { message: "Malformed JSON in request body" }));
  assert.equal(problem?.status, 400);
  assert.equal(problem?.message, "Malformed JSON in request body");
  assert.equal(problem?.type, "urn:stave:problem:bad-request");
});

Deno.test("toProblem() maps an invalid object key to a 400 naming the key", () => {
  let error: unknown;
  try {
    validateObjectKey("../escape");
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof InvalidObjectKeyError);
  const problem = toProblem(error);
  assert.equal(problem?.status, 400);
  assert.match(problem!.message, /"\.\.\/escape"/);
});

Deno.test("toProblem() maps missing or corrupt models to 503", () => {
  assert.equal(toProblem(new ModelNotFoundError("omr", ["tiny"]))?.status, 503);
  assert.equal(toProblem(new ModelIntegrityError("omr", "omr.onnx", "bad sha256"))?.status, 503);
});

Deno.test("toProblem() maps unsupported images to 415 and unreadable ones to 422", () => {
  assert.equal(toProblem(new ImageFormatError("Unsupported image format GIF", true))?.status, 415);
  assert.equal(toProblem(new ImageFormatError("Corrupt PNG", false))?.status, 422);
});

Deno.test("toProblem() leaves unknown errors to the 500 path", () => {
  assert.equal(toProblem(new Error("boom")), undefined);
  assert.equal(toProblem("a string"), undefined);
});

Deno.test("mediaType() drops parameters and case", () => {
  assert.equal(mediaType("Application/JSON; charset=utf-8"), "application/json");
  assert.equal(mediaType(undefined), "");
});
