import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "../../infra/local/s3_server.ts";
import { createObjectStore } from "../../shared/storage/mod.ts";
import { FIXTURES, tinyImage } from "../fixtures/models/tiny_model.ts";
import { openTestServices } from "../support/services.ts";

Deno.test("GET /v1/health reports S3 store and S3 models, which then run", async () => {
  const s3 = await startS3Server({ buckets: ["stave-objects", "stave-models"] });
  try {
    const env = {
      STAVE_S3_ENDPOINT: s3.endpoint,
      STAVE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      STAVE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    // Publish the fixture models the way the training job uploads real ones.
    const upload = createObjectStore({
      kind: "s3",
      bucket: "stave-models",
      prefix: "v1/",
      s3: s3.connection,
    });
    for (const file of ["manifest.json", "tiny.onnx", "tiny-int8.onnx"]) {
      await upload.put(file, await Deno.readFile(`${FIXTURES}/${file}`));
    }
    await upload.close?.();

    const services = await openTestServices({
      ...env,
      STAVE_S3_BUCKET: "stave-objects",
      STAVE_MODELS: "s3://stave-models/v1/",
    });
    try {
      const response = await createApp(services).request("/v1/health");
      assert.equal(response.status, 200);
      const report = await response.json();
      assert.equal(report.checks.store.kind, "s3");
      assert.equal(report.checks.models.status, "ok");
      const outputs = await services.models.run("tiny", { image: tinyImage(16) });
      assert.deepEqual(outputs.logits!.dims, [8, 1, 5]);
      assert.ok((await services.models.status()).models.some((m) => m.state === "ready"));
    } finally {
      await services.close();
    }
  } finally {
    await s3.close();
  }
});

Deno.test("GET /v1/health answers 503 naming the store when the bucket is missing", async () => {
  const s3 = await startS3Server({ buckets: [] });
  try {
    const services = await openTestServices({
      STAVE_S3_ENDPOINT: s3.endpoint,
      STAVE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      STAVE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      STAVE_S3_BUCKET: "absent-bucket",
    });
    try {
      const response = await createApp(services).request("/v1/health");
      assert.equal(response.status, 503);
      const report = await response.json();
      assert.equal(report.status, "failing");
      assert.equal(report.checks.store.status, "failing");
      assert.equal(typeof report.checks.store.error, "string");
      assert.equal(report.checks.database.status, "ok");
    } finally {
      await services.close();
    }
  } finally {
    await s3.close();
  }
});
