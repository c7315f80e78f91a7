import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { WEB_APP_CSP } from "../../functions/web_app.ts";
import { sha256Hex } from "../../shared/sha256.ts";
import { openTestServices } from "../support/services.ts";

/** A built web app in miniature: a page, a script with its gzipped copy, a WASM file. */
async function fakeBuild(dir: string) {
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>Stave</title>");
  await Deno.writeTextFile(`${dir}/main.js`, "console.log('stave');");
  const gz = new Blob(["console.log('stave');"]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  await Deno.writeFile(`${dir}/main.js.gz`, gz);
  await Deno.writeFile(`${dir}/ort.wasm`, Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0]));
  await Deno.writeTextFile(`${dir}/.secret.js`, "no");
}

async function withApp(fn: (app: ReturnType<typeof createApp>, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stave-web-" });
  const services = await openTestServices({ STAVE_WEB_DIR: dir });
  try {
    await fn(createApp(services), dir);
  } finally {
    await services.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("GET / serves the page with a strict CSP that lets WASM compile, and revalidates", async () => {
  await withApp(async (app, dir) => {
    await fakeBuild(dir);
    const page = await app.request("/");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("content-security-policy"), WEB_APP_CSP);
    assert.match(WEB_APP_CSP, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(WEB_APP_CSP, /default-src 'none'/);
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const etag = page.headers.get("etag")!;
    assert.equal(etag, `"${await sha256Hex(await Deno.readFile(`${dir}/index.html`))}"`);
    assert.equal(await page.text(), "<!doctype html><title>Stave</title>");

    const again = await app.request("/", { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");
  });
});

Deno.test("GET /app/{file} serves content types and the gzipped copy to clients that take it", async () => {
  await withApp(async (app, dir) => {
    await fakeBuild(dir);
    const plain = await app.request("/app/main.js");
    assert.equal(plain.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(await plain.text(), "console.log('stave');");

    const gzipped = await app.request("/app/main.js", {
      headers: { "accept-encoding": "br, gzip" },
    });
    assert.equal(gzipped.headers.get("content-encoding"), "gzip");
    assert.equal(gzipped.headers.get("vary"), "accept-encoding");
    assert.notEqual(gzipped.headers.get("etag"), plain.headers.get("etag"));
    const body = gzipped.body!.pipeThrough(new DecompressionStream("gzip"));
    assert.equal(await new Response(body).text(), "console.log('stave');");

    const wasm = await app.request("/app/ort.wasm");
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.equal(wasm.headers.get("content-length"), "8");
    await wasm.body?.cancel();

    const head = await app.request("/app/ort.wasm", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "8");
    assert.equal(await head.text(), "");
  });
});

Deno.test("GET /app/{file} answers 404 outside the built files", async () => {
  await withApp(async (app, dir) => {
    await fakeBuild(dir);
    for (const path of ["/app/nope.js", "/app/..%2Fmain.js", "/app/.secret.js", "/app/main.ts"]) {
      const response = await app.request(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      await response.body?.cancel();
    }
  });
});

Deno.test("GET / answers 503 naming the build task while the web app is not built", async () => {
  await withApp(async (app, dir) => {
    await Deno.remove(dir);
    const response = await app.request("/");
    assert.equal(response.status, 503);
    const problem = await response.json();
    assert.equal(problem.type, "urn:stave:problem:web-app-not-built");
    assert.match(problem.detail, /run deno task build:web$/);
    await Deno.mkdir(dir);
  });
});
