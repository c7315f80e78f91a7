import assert from "node:assert/strict";
import { join } from "node:path";
import { createModelRegistry } from "../../../shared/models/create_model_registry.ts";
import {
  ModelIntegrityError,
  ModelNotFoundError,
  ModelRegistry,
  type ModelSource,
} from "../../../shared/models/model_registry.ts";
import { loadConfig, type OnnxBackend } from "../../../shared/config.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import {
  CLASSES,
  FIXTURES,
  maxDiff,
  tinyImage,
  tinyLogits,
} from "../../fixtures/models/tiny_model.ts";

/** A source over the fixture folder that counts reads and can fail the next ones. */
class CountingSource implements ModelSource {
  readonly reads: string[] = [];
  failures = 0;
  readonly #store: LocalObjectStore;

  constructor(root = FIXTURES) {
    this.#store = new LocalObjectStore(root);
  }

  async getBytes(key: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    this.reads.push(key);
    await new Promise((resolve) => setTimeout(resolve, 5)); // let concurrent callers overlap
    if (key.endsWith(".onnx") && this.failures > 0) {
      this.failures--;
      throw new Error(`Cannot read "${key}": simulated outage`);
    }
    return await this.#store.getBytes(key, signal);
  }
}

async function withRegistry(
  body: (registry: ModelRegistry, source: CountingSource) => Promise<void>,
  options: { backend?: OnnxBackend; root?: string } = {},
) {
  const source = new CountingSource(options.root);
  const registry = new ModelRegistry({ source, onnx: { backend: options.backend ?? "web" } });
  try {
    await body(registry, source);
  } finally {
    await registry.close();
  }
}

async function copyFixtures(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "stave-models-" });
  for (const name of ["manifest.json", "tiny.onnx", "tiny-int8.onnx"]) {
    await Deno.copyFile(join(FIXTURES, name), join(dir, name));
  }
  return dir;
}

for (const backend of ["web", "node"] as const) {
  Deno.test(`ModelRegistry.run() loads and runs the tiny model on ${backend}`, async () => {
    await withRegistry(async (registry) => {
      assert.deepEqual(registry.loaded(), []);
      for (const width of [10, 97]) {
        const image = tinyImage(width);
        const { logits } = await registry.run("tiny", { image });
        assert.deepEqual(logits?.dims, [Math.floor(width / 2), 1, CLASSES]);
        assert.ok(maxDiff(logits!.data as Float32Array, tinyLogits(image.data, width)) < 1e-5);
      }
      assert.deepEqual(registry.loaded(), ["tiny"]);
      assert.deepEqual(await registry.status(), {
        backend,
        manifest: true,
        models: [
          { name: "tiny", version: "1.0.0", state: "ready" },
          { name: "tiny-int8", version: "1.0.0", state: "idle" },
          { name: "search-notes", version: "1.0.0", state: "idle" },
          { name: "search-audio", version: "1.0.0", state: "idle" },
          { name: "search-sheet", version: "1.0.0", state: "idle" },
        ],
      });
    }, { backend });
  });
}

Deno.test("ModelRegistry.session() shares one load between concurrent callers", async () => {
  await withRegistry(async (registry, source) => {
    const sessions = await Promise.all([1, 2, 3, 4, 5].map(() => registry.session("tiny")));
    assert.ok(sessions.every((session) => session === sessions[0]));
    assert.deepEqual(source.reads, ["manifest.json", "tiny.onnx"]);
    assert.equal(await registry.session("tiny"), sessions[0]);
    assert.equal(source.reads.length, 2);
  });
});

Deno.test("ModelRegistry.loads counts one load for 64 concurrent first calls of one model", async () => {
  await withRegistry(async (registry, source) => {
    assert.equal(registry.loads, 0);
    // The cold-start pile-up: every request arrives before the model is loaded.
    const image = tinyImage(10);
    const [sessions, runs] = await Promise.all([
      Promise.all(Array.from({ length: 32 }, () => registry.session("tiny"))),
      Promise.all(Array.from({ length: 32 }, () => registry.run("tiny", { image }))),
    ]);
    assert.equal(registry.loads, 1);
    assert.ok(sessions.every((session) => session === sessions[0]));
    assert.ok(runs.every((outputs) => outputs.logits?.dims.join() === `5,1,${CLASSES}`));
    assert.equal(source.reads.filter((key) => key === "tiny.onnx").length, 1);
    await registry.session("tiny-int8"); // another model is its own load
    assert.equal(registry.loads, 2);
  });
});

Deno.test("ModelRegistry.session() forgets a failed load and retries on the next call", async () => {
  await withRegistry(async (registry, source) => {
    source.failures = 1;
    const failed = await Promise.allSettled([registry.session("tiny"), registry.session("tiny")]);
    assert.deepEqual(failed.map((result) => result.status), ["rejected", "rejected"]);
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /simulated outage/);
    assert.equal(registry.loads, 1); // both callers shared the failed load
    assert.deepEqual(registry.loaded(), []);
    assert.equal((await registry.status()).models.find((m) => m.name === "tiny")?.state, "idle");
    const session = await registry.session("tiny");
    assert.deepEqual(session.inputNames, ["image"]);
    assert.equal(registry.loads, 2);
    assert.deepEqual(source.reads.filter((key) => key === "tiny.onnx").length, 2);
    assert.deepEqual(registry.loaded(), ["tiny"]);
    assert.equal(await registry.session("tiny"), session);
    assert.equal(registry.loads, 2);
  });
});

Deno.test("ModelRegistry.session() rejects a file whose sha256 differs from the manifest", async () => {
  const dir = await copyFixtures();
  try {
    const path = join(dir, "tiny.onnx");
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 1]! ^= 0xff;
    await Deno.writeFile(path, bytes);
    await withRegistry(async (registry) => {
      const error = await registry.session("tiny").catch((e) => e);
      assert.ok(error instanceof ModelIntegrityError);
      assert.equal(error.model, "tiny");
      assert.equal(error.file, "tiny.onnx");
      assert.match(error.message, /^Model "tiny" file "tiny.onnx" failed verification: .*sha256/);
      assert.deepEqual(registry.loaded(), []);
      const int8 = await registry.session("tiny-int8"); // the other file is intact
      assert.deepEqual(int8.outputNames, ["logits"]);
    }, { root: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ModelRegistry.session() rejects a truncated or missing file", async () => {
  const dir = await copyFixtures();
  try {
    const bytes = await Deno.readFile(join(dir, "tiny.onnx"));
    await Deno.writeFile(join(dir, "tiny.onnx"), bytes.subarray(0, 100));
    await Deno.remove(join(dir, "tiny-int8.onnx"));
    await withRegistry(async (registry) => {
      await assert.rejects(registry.session("tiny"), (error: Error) => {
        assert.ok(error instanceof ModelIntegrityError);
        assert.match(error.message, /expected 723 bytes, got 100$/);
        return true;
      });
      await assert.rejects(
        registry.session("tiny-int8"),
        new ModelIntegrityError("tiny-int8", "tiny-int8.onnx", "not found"),
      );
    }, { root: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ModelRegistry.session() names the known models for an unknown one", async () => {
  await withRegistry(async (registry) => {
    const error = await registry.session("omr").catch((e) => e);
    assert.ok(error instanceof ModelNotFoundError);
    assert.equal(error.model, "omr");
    assert.equal(
      error.message,
      `Unknown model "omr": the manifest lists tiny, tiny-int8, search-notes, search-audio, ` +
        "search-sheet",
    );
  });
});

Deno.test("ModelRegistry.manifest() reports a missing or broken manifest and retries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-models-" });
  try {
    await withRegistry(async (registry) => {
      await assert.rejects(
        registry.manifest(),
        /^Error: Cannot read model manifest "manifest.json": not found$/,
      );
      assert.equal((await registry.status()).manifest, false);
      await Deno.writeTextFile(join(dir, "manifest.json"), "{ not json");
      await assert.rejects(registry.manifest(), SyntaxError);
      await Deno.writeTextFile(join(dir, "manifest.json"), `{"version":1,"models":[{}]}`);
      await assert.rejects(registry.manifest(), /^TypeError: Invalid manifest: models\[0\]\.name/);
      await Deno.writeTextFile(join(dir, "manifest.json"), `{"version":1,"models":[]}`);
      assert.deepEqual((await registry.manifest()).models, []);
    }, { root: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ModelRegistry.run() honours an aborted signal", async () => {
  await withRegistry(async (registry) => {
    const signal = AbortSignal.abort(new DOMException("stop", "AbortError"));
    await assert.rejects(registry.run("tiny", { image: tinyImage(4) }, { signal }), {
      name: "AbortError",
    });
  });
});

Deno.test("ModelRegistry.close() releases sessions and refuses later loads", async () => {
  const source = new CountingSource();
  const registry = new ModelRegistry({ source, onnx: { backend: "node" } });
  await registry.session("tiny-int8");
  const pending = registry.session("tiny");
  await registry.close(); // waits for the load in flight, then releases both sessions
  assert.deepEqual((await pending).inputNames, ["image"]);
  assert.deepEqual(registry.loaded(), []);
  await assert.rejects(
    registry.session("tiny"),
    /^Error: Cannot load model "tiny": registry closed$/,
  );
});

Deno.test("createModelRegistry() reads models from the configured folder", async () => {
  const registry = createModelRegistry(
    loadConfig({ STAVE_MODELS: FIXTURES, STAVE_ONNX_BACKEND: "node" }),
  );
  try {
    const { logits } = await registry.run("tiny-int8", { image: tinyImage(6) });
    assert.deepEqual(logits?.dims, [3, 1, CLASSES]);
  } finally {
    await registry.close();
  }
});

Deno.test("createModelRegistry() reads the production manifest from models/", async () => {
  const registry = createModelRegistry(loadConfig({}));
  try {
    const manifest = await registry.manifest();
    assert.equal(manifest.version, 1);
  } finally {
    await registry.close();
  }
});
