import assert from "node:assert/strict";
import { buildWeb } from "../../web/build.ts";

Deno.test("buildWeb() writes the page, a browser bundle, the WASM it loads and gzipped copies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-web-build-" });
  try {
    await buildWeb(dir);
    const names = new Set(await Array.fromAsync(Deno.readDir(dir), (entry) => entry.name));
    for (
      const name of [
        "index.html",
        "style.css",
        "icon.svg",
        "main.js",
        "recorder_worklet.js",
        "ort-wasm-simd-threaded.wasm",
        "squoosh_png_bg.wasm",
        "mozjpeg_dec.wasm",
        "webp_dec.wasm",
      ]
    ) {
      assert.ok(names.has(name), name);
      assert.ok(names.has(`${name}.gz`), `${name}.gz`);
    }
    const scripts = [...names].filter((name) => name.endsWith(".js"));
    for (const script of scripts) {
      const code = await Deno.readTextFile(`${dir}/${script}`);
      // Everything is bundled: no imports by Deno-only specifiers or from other hosts.
      assert.doesNotMatch(code, /(from|import\()\s*["'](npm:|jsr:|https?:)/, script);
      const gz = (await Deno.open(`${dir}/${script}.gz`)).readable
        .pipeThrough(new DecompressionStream("gzip"));
      assert.equal(await new Response(gz).text(), code, `${script}.gz`);
    }
    // onnxruntime-web is a chunk of its own, imported only when a reading runs on the device.
    const main = await Deno.readTextFile(`${dir}/main.js`);
    const chunk = /import\("\.\/(ort\.wasm\.bundle\.min-[A-Z0-9]+\.js)"\)/.exec(main)?.[1];
    assert.ok(chunk !== undefined && names.has(chunk));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
