import assert from "node:assert/strict";
import { startS3Server } from "../../infra/local/s3_server.ts";
import { publishModels } from "../../infra/publish_models.ts";
import { ModelRegistry } from "../../shared/models/mod.ts";
import { createObjectStore } from "../../shared/storage/mod.ts";
import { FIXTURES, tinyImage } from "../fixtures/models/tiny_model.ts";

Deno.test("publishModels() uploads files then the manifest, and the registry loads them", async () => {
  const s3 = await startS3Server({ buckets: ["models"] });
  const store = createObjectStore({
    kind: "s3",
    bucket: "models",
    prefix: "v2/",
    s3: s3.connection,
  });
  try {
    const keys = await publishModels(FIXTURES, store);
    assert.equal(keys.at(-1), "manifest.json");
    // Each file once, though the three search entries share one.
    assert.deepEqual(keys.slice(0, -1).sort(), ["tiny-int8.onnx", "tiny-search.onnx", "tiny.onnx"]);
    const registry = new ModelRegistry({ source: store, onnx: { backend: "web" } });
    try {
      const out = await registry.run("tiny-int8", { image: tinyImage(10) });
      assert.deepEqual(out.logits!.dims, [5, 1, 5]);
    } finally {
      await registry.close();
    }
  } finally {
    await store.close?.();
    await s3.close();
  }
});

Deno.test("publishModels() uploads nothing when a file does not match its sha256", async () => {
  const dir = await Deno.makeTempDir();
  const s3 = await startS3Server({ buckets: ["models"] });
  const store = createObjectStore({
    kind: "s3",
    bucket: "models",
    prefix: "",
    s3: s3.connection,
  });
  try {
    for (const file of ["manifest.json", "tiny.onnx", "tiny-int8.onnx"]) {
      await Deno.copyFile(`${FIXTURES}/${file}`, `${dir}/${file}`);
    }
    const bytes = await Deno.readFile(`${dir}/tiny-int8.onnx`);
    bytes[bytes.length - 1]! ^= 0xff;
    await Deno.writeFile(`${dir}/tiny-int8.onnx`, bytes);
    await assert.rejects(publishModels(dir, store), /tiny-int8\.onnx" has sha256/);
    const listed = [];
    for await (const info of store.list()) listed.push(info.key);
    assert.deepEqual(listed, []);
  } finally {
    await store.close?.();
    await s3.close();
    await Deno.remove(dir, { recursive: true });
  }
});
