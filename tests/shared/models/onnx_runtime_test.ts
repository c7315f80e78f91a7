import assert from "node:assert/strict";
import {
  checkFeeds,
  createSession,
  executionProviders,
  type OnnxSession,
} from "../../../shared/models/onnx_runtime.ts";
import type { OnnxBackend } from "../../../shared/config.ts";
import {
  CLASSES,
  FIXTURES,
  maxDiff,
  tinyImage,
  tinyLogits,
} from "../../fixtures/models/tiny_model.ts";

const BACKENDS: OnnxBackend[] = ["web", "node"];
const WIDTHS = [2, 13, 64, 301];
const tinyBytes = await Deno.readFile(`${FIXTURES}/tiny.onnx`);
const int8Bytes = await Deno.readFile(`${FIXTURES}/tiny-int8.onnx`);
const manifest = JSON.parse(await Deno.readTextFile(`${FIXTURES}/manifest.json`));
const inputs = manifest.models[0].inputs;

async function withSession(
  bytes: Uint8Array,
  backend: OnnxBackend,
  body: (session: OnnxSession) => Promise<void>,
) {
  const session = await createSession(bytes, { backend, inputs, label: "tiny" });
  try {
    await body(session);
  } finally {
    await session.release();
  }
}

for (const backend of BACKENDS) {
  for (const [variant, bytes] of [["tiny", tinyBytes], ["tiny-int8", int8Bytes]] as const) {
    Deno.test(`createSession() runs ${variant} on ${backend} with exact shapes and values`, async () => {
      await withSession(bytes, backend, async (session) => {
        assert.deepEqual(session.inputNames, ["image"]);
        assert.deepEqual(session.outputNames, ["logits"]);
        assert.equal(session.backend, backend);
        for (const width of WIDTHS) {
          const image = tinyImage(width);
          const { logits } = await session.run({ image });
          assert.ok(logits, "no logits output");
          assert.equal(logits.dtype, "float32");
          assert.deepEqual(logits.dims, [Math.floor(width / 2), 1, CLASSES]);
          assert.ok(logits.data instanceof Float32Array);
          const diff = maxDiff(logits.data as Float32Array, tinyLogits(image.data, width));
          assert.ok(diff < 1e-5, `width ${width}: max difference ${diff}`);
        }
      });
    });
  }

  Deno.test(`OnnxSession.run() on ${backend} rejects wrong feeds with shapes, not values`, async () => {
    await withSession(tinyBytes, backend, async (session) => {
      const secret = new Float32Array(16).fill(12345.5);
      const cases = [
        [{ pixels: tinyImage(4) }, /unexpected input "pixels".*input "image" is missing/],
        [{ image: { dtype: "float32", dims: [8, 2], data: secret } }, /is image float32 \[8,2\]/],
        [{ image: { dtype: "int32", dims: [1, 1, 8, 2], data: new Int32Array(16) } }, /int32/],
        [{ image: { dtype: "float32", dims: [1, 2, 8, 1], data: secret } }, /\[1,2,8,1\]/],
        [{ image: { dtype: "float32", dims: [1, 1, 8, 4], data: secret } }, /16 elements/],
      ] as const;
      for (const [feeds, pattern] of cases) {
        await assert.rejects(session.run(feeds), (error: Error) => {
          assert.ok(error instanceof TypeError, error.message);
          assert.match(error.message, /^Invalid feeds for "tiny": /);
          assert.match(error.message, pattern);
          assert.match(error.message, /expected image float32 \[1,1,8,width\]$/);
          assert.doesNotMatch(error.message, /12345/);
          return true;
        });
      }
    });
  });

  Deno.test(`OnnxSession.run() on ${backend} rejects an aborted signal`, async () => {
    await withSession(tinyBytes, backend, async (session) => {
      const signal = AbortSignal.abort(new DOMException("stop", "AbortError"));
      await assert.rejects(session.run({ image: tinyImage(4) }, { signal }), {
        name: "AbortError",
      });
    });
  });

  Deno.test(`createSession() on ${backend} rejects a model that differs from the manifest`, async () => {
    const outputs = [{ name: "logits", dtype: "float32", shape: ["frames", 1, 5] }] as const;
    const cases = [
      [
        { name: "pixels", dtype: "float32", shape: [1, 1, 8, "width"] },
        "pixels float32 [1,1,8,width]",
      ],
      [
        { name: "image", dtype: "float16", shape: [1, 1, 8, "width"] },
        "image float16 [1,1,8,width]",
      ],
      [{ name: "image", dtype: "float32", shape: [1, 8, "width"] }, "image float32 [1,8,width]"],
      [{ name: "image", dtype: "float32", shape: [1, 1, 16, "w"] }, "image float32 [1,1,16,w]"],
    ] as const;
    for (const [wrong, shown] of cases) {
      await assert.rejects(
        createSession(tinyBytes, { backend, inputs: [wrong], outputs, label: "tiny" }),
        new TypeError(
          `Model "tiny" inputs do not match the manifest: manifest [${shown}], ` +
            `model [image float32 [1,1,8,width]]`,
        ),
      );
    }
    const badOutputs = [{ name: "logits", dtype: "float32", shape: ["frames", 1, 6] }] as const;
    await assert.rejects(
      createSession(tinyBytes, { backend, inputs, outputs: badOutputs, label: "tiny" }),
      /^TypeError: Model "tiny" outputs do not match the manifest: manifest \[logits float32 \[frames,1,6\]\], model \[logits float32 \[frames,1,5\]\]$/,
    );
  });
}

for (const backend of BACKENDS) {
  Deno.test(`OnnxSession.release() on ${backend} waits for a run in flight`, async () => {
    const session = await createSession(tinyBytes, { backend, inputs });
    const pending = session.run({ image: tinyImage(4096) });
    await session.release();
    const { logits } = await pending;
    assert.deepEqual(logits?.dims, [2048, 1, CLASSES]);
  });
}

Deno.test("createSession() on web refuses another thread count once WASM has started", async () => {
  const session = await createSession(tinyBytes, { backend: "web", threads: 1 });
  try {
    await assert.rejects(
      createSession(tinyBytes, { backend: "web", threads: 2 }),
      new RangeError("Cannot use 2 WASM threads: onnxruntime-web already started with 1"),
    );
  } finally {
    await session.release();
  }
});

Deno.test("createSession() without manifest specs checks feeds against the model's metadata", async () => {
  const session = await createSession(tinyBytes, { backend: "web" });
  try {
    const feeds = { image: { dtype: "float32", dims: [1, 8], data: new Float32Array(8) } } as const;
    await assert.rejects(session.run(feeds), /expected image float32 \[1,1,8,width\]/);
  } finally {
    await session.release();
  }
});

Deno.test("createSession() names the supported backends for an unknown one", async () => {
  await assert.rejects(
    createSession(tinyBytes, { backend: "cuda" as OnnxBackend }),
    new TypeError(`Unknown ONNX backend "cuda": supported backends are web, node`),
  );
});

Deno.test("executionProviders() uses WebGPU only when allowed and available", () => {
  assert.deepEqual(executionProviders("web", false, true), ["wasm"]);
  assert.deepEqual(executionProviders("web", true, false), ["wasm"]);
  assert.deepEqual(executionProviders("web", true, true), ["webgpu", "wasm"]);
  assert.deepEqual(executionProviders("node", true, true), ["cpu"]);
});

Deno.test("checkFeeds() accepts any size for a named dimension", () => {
  const image = { dtype: "float32", dims: [1, 1, 8, 7], data: new Float32Array(56) } as const;
  checkFeeds({ image }, inputs);
});

Deno.test({
  name: "createSession() runs the tiny model on WebGPU where navigator.gpu exists",
  ignore: !("gpu" in navigator),
  async fn() {
    const session = await createSession(tinyBytes, { backend: "web", webgpu: true, inputs });
    try {
      assert.deepEqual(session.executionProviders, ["webgpu", "wasm"]);
      const image = tinyImage(13);
      const { logits } = await session.run({ image });
      assert.deepEqual(logits?.dims, [6, 1, CLASSES]);
      assert.ok(maxDiff(logits!.data as Float32Array, tinyLogits(image.data, 13)) < 1e-4);
    } finally {
      await session.release();
    }
  },
});

Deno.test("createSession({ profile }) on node writes onnxruntime's trace when profiling ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-trace-" });
  try {
    const session = await createSession(tinyBytes, { backend: "node", profile: `${dir}/trace` });
    await session.run({ image: tinyImage(13) });
    session.endProfiling();
    await session.release();
    const files = [...Deno.readDirSync(dir)].map((f) => f.name);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^trace_.*\.json$/);
    const trace = JSON.parse(await Deno.readTextFile(`${dir}/${files[0]}`));
    assert.ok(trace.some((e: { name: string }) => e.name === "model_run"));
    assert.ok(trace.some((e: { args?: { op_name?: string } }) => e.args?.op_name === "Conv"));
    const plain = await createSession(tinyBytes, { backend: "node" });
    plain.endProfiling(); // nothing to end: no trace, no error
    await plain.release();
    assert.equal([...Deno.readDirSync(dir)].length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
