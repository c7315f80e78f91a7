import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { sha256Hex } from "../../shared/sha256.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";
import { openTestServices } from "../support/services.ts";

Deno.test("GET /v1/models names the recognizer and the URL of every model file", async () => {
  const services = await openTestServices({ STAVE_OMR_MODEL: "tiny-int8" });
  try {
    const response = await createApp(services).request("/v1/models");
    assert.equal(response.status, 200);
    const catalogue = await response.json();
    assert.equal(catalogue.manifest, "/v1/models/manifest.json");
    assert.deepEqual(catalogue.recognize, { model: "tiny-int8", maxPixels: 40_000_000 });
    const tiny = catalogue.models.find((m: { name: string }) => m.name === "tiny");
    assert.equal(tiny.url, "/v1/models/tiny.onnx");
    assert.equal(tiny.bytes, (await Deno.stat(`${FIXTURES}/tiny.onnx`)).size);
  } finally {
    await services.close();
  }
});

Deno.test("GET /v1/models/{file} serves the manifest and its files with a sha256 ETag", async () => {
  const services = await openTestServices();
  const app = createApp(services);
  try {
    for (
      const [file, type] of [["manifest.json", "application/json"], [
        "tiny.onnx",
        "application/octet-stream",
      ]]
    ) {
      const bytes = await Deno.readFile(`${FIXTURES}/${file}`);
      const response = await app.request(`/v1/models/${file}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), type);
      assert.equal(response.headers.get("cache-control"), "no-cache");
      const etag = response.headers.get("etag");
      assert.equal(etag, `"${await sha256Hex(bytes)}"`);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);

      const again = await app.request(`/v1/models/${file}`, {
        headers: { "if-none-match": `"other", W/${etag}` },
      });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get("etag"), etag);
      assert.equal(await again.text(), "");
    }
  } finally {
    await services.close();
  }
});

Deno.test("GET /v1/models/{file} answers 404 for anything the manifest does not list", async () => {
  const services = await openTestServices();
  const app = createApp(services);
  try {
    for (const path of ["make_tiny_model.py", "..%2Fmanifest.json", "tiny_model.ts"]) {
      const response = await app.request(`/v1/models/${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const problem = await response.json();
      assert.equal(problem.type, "urn:stave:problem:no-model-file");
      assert.match(problem.detail, /^No model file "/);
    }
  } finally {
    await services.close();
  }
});

Deno.test("GET /v1/models/{file} answers 503 for a file that differs from the manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-models-" });
  const services = await openTestServices({ STAVE_MODELS: dir });
  try {
    await Deno.copyFile(`${FIXTURES}/manifest.json`, `${dir}/manifest.json`);
    const tiny = await Deno.readFile(`${FIXTURES}/tiny.onnx`);
    tiny[tiny.length - 1] = tiny.at(-1)! ^ 1;
    await Deno.writeFile(`${dir}/tiny.onnx`, tiny);
    const response = await createApp(services).request("/v1/models/tiny.onnx");
    assert.equal(response.status, 503);
    const problem = await response.json();
    assert.equal(problem.type, "urn:stave:problem:model-unavailable");
    assert.match(
      problem.detail,
      /^Model "tiny" file "tiny.onnx" failed verification: expected sha256/,
    );
  } finally {
    await services.close();
    await Deno.remove(dir, { recursive: true });
  }
});
