import assert from "node:assert/strict";
import {
  type MemorySample,
  memoryVerdict,
  ownerOf,
  trackWasmMemories,
  wasmMemories,
} from "./memory.ts";

const MIB = 1024 * 1024;

const LIMITS = { rss: 64 * MIB, wasm: 4 * MIB };

/** Samples every 10 cases whose RSS follows `rss(i)` and the codec's memory `png(i)`. */
function samples(n: number, rss: (i: number) => number, png = (_i: number) => MIB): MemorySample[] {
  return Array.from({ length: n }, (_, i) => ({
    cases: i * 10,
    rss: rss(i),
    heapTotal: 0,
    heapUsed: 0,
    external: 0,
    wasm: 0,
    wasmOwners: [
      // Discarded modules wait for a collection: uncollected ones add up, the largest stays put.
      {
        owner: "verovio",
        live: 1 + i % 3,
        created: 1 + i,
        bytes: (1 + i % 3) * 128 * MIB,
        largest: 128 * MIB,
      },
      { owner: "@jsquash/png", live: 1, created: 1, bytes: png(i), largest: png(i) },
    ],
  }));
}

Deno.test("ownerOf() names the npm package or Stave module that made a WASM memory", () => {
  const frame = (path: string) => `Error\n    at f (file:///work/${path}:1:2)`;
  assert.equal(ownerOf(frame("node_modules/.deno/verovio@6.3.0/node_modules/v/m.mjs")), "verovio");
  assert.equal(
    ownerOf(frame("node_modules/.deno/@electric-sql+pglite@0.5.17/node_modules/x.js")),
    "@electric-sql/pglite",
  );
  assert.equal(ownerOf(frame("shared/db/database.ts")), "shared/db/database.ts");
  assert.equal(ownerOf("Error\n    at <anonymous>"), "unknown");
});

Deno.test("trackWasmMemories() records memories made by constructor and by instantiation", async () => {
  trackWasmMemories();
  const made = () => wasmMemories().find((o) => o.owner.endsWith("memory_test.ts"))?.created ?? 0;
  const before = made();
  const memory = new WebAssembly.Memory({ initial: 2 });
  assert.ok(memory instanceof WebAssembly.Memory);
  // A module that exports one page of memory: (module (memory (export "m") 1))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 5, 1, 1, 109, 2, 0]);
  const { instance } = await WebAssembly.instantiate(bytes);
  assert.ok(instance.exports.m instanceof WebAssembly.Memory);
  assert.equal(made(), before + 2);
  const mine = wasmMemories().find((o) => o.owner.endsWith("memory_test.ts"))!;
  assert.ok(mine.bytes >= 3 * 65_536);
});

Deno.test("memoryVerdict() passes a flat RSS that swings with the heap", () => {
  // Flat at 800 MiB, with a 600 MiB heap plateau now and then (garbage awaiting a major GC).
  const verdict = memoryVerdict(
    samples(200, (i) => (800 + (i % 37 < 8 ? 600 : 0) + (i % 3)) * MIB),
    LIMITS,
  );
  assert.ok(verdict.pass, `grew ${verdict.rss.growth / MIB} MiB`);
  assert.deepEqual([verdict.midCases, verdict.endCases], [[800, 990], [1800, 1990]]);
  assert.deepEqual(verdict.growingWasm, []);
  assert.equal(verdict.wasmOwners[0]?.owner, "verovio");
  assert.equal(verdict.wasmOwners[0]?.growth, 0);
  assert.equal(verdict.wasmOwners[0]?.created, 200);
});

Deno.test("memoryVerdict() fails an RSS that keeps growing", () => {
  // 1.5 MiB a sample: what Verovio's kept toolkits cost before they were let go.
  const verdict = memoryVerdict(samples(200, (i) => (800 + 1.5 * i) * MIB), LIMITS);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.rss.growth, 150 * MIB);
  assert.throws(() => memoryVerdict(samples(3, () => 0), LIMITS), RangeError);
});

Deno.test("memoryVerdict() fails a WASM memory that keeps growing under a flat RSS", () => {
  // What @jsquash/png does: each PNG it fails to decode leaves its buffers in its memory.
  const verdict = memoryVerdict(samples(200, () => 800 * MIB, (i) => (1 + i / 20) * MIB), LIMITS);
  assert.equal(verdict.rss.growth, 0);
  assert.deepEqual(verdict.growingWasm, ["@jsquash/png"]);
  assert.equal(verdict.pass, false);
});
