import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { grayPng, pngHeaderOnly } from "../support/images.ts";
import { withTestApp } from "../support/services.ts";

/** The untrained OMR fixture: real structure and vocabularies, meaningless answers. */
const FIXTURE = new URL("../fixtures/omr/", import.meta.url).pathname;
/** A real PrIMuS staff image. */
const PRIMUS_PNG = new URL(
  "../../../shared/data/primus/example/000051652-1_2_1.png",
  import.meta.url,
).pathname;

const withApp = (
  env: Record<string, string>,
  body: (app: ReturnType<typeof createApp>) => Promise<void>,
) => withTestApp({ STAVE_MODELS: FIXTURE, ...env }, body);

const post = (body: BodyInit, type?: string, query = "") => ({
  path: `/v1/recognize${query}`,
  init: {
    method: "POST",
    body,
    headers: type ? { "content-type": type } : {},
  } as RequestInit,
});

Deno.test("POST /v1/recognize answers tokens, confidences, timing and model for a PNG", async () => {
  const image = await Deno.readFile(PRIMUS_PNG);
  await withApp({}, async (app) => {
    const { path, init } = post(image, "image/png");
    const response = await app.request(path, init);
    assert.equal(response.status, 200);
    const result = await response.json();
    assert.equal(result.model.name, "omr-lowrank-int8");
    assert.match(result.model.sha256, /^[0-9a-f]{64}$/);
    for (const head of ["semantic", "agnostic"]) {
      const { tokens, confidence, sequenceConfidence } = result[head];
      assert.equal(tokens.length, confidence.length);
      assert.ok(confidence.every((p: number) => p >= 0 && p <= 1));
      assert.ok(sequenceConfidence >= 0 && sequenceConfidence <= 1);
      assert.ok(tokens.every((t: string) => typeof t === "string" && t !== "<blank>"));
    }
    for (const stage of ["decodeMs", "preprocessMs", "inferenceMs", "ctcMs"]) {
      assert.equal(typeof result.timing[stage], "number");
    }
    assert.ok(result.staff.width > 0);
  });
});

Deno.test("POST /v1/recognize gives the same answer for a multipart field image", async () => {
  const image = await Deno.readFile(PRIMUS_PNG);
  await withApp({}, async (app) => {
    const raw = await (await app.request("/v1/recognize", post(image, "image/png").init)).json();
    const form = new FormData();
    form.set("image", new File([image], "staff.png", { type: "image/png" }));
    const response = await app.request("/v1/recognize", { method: "POST", body: form });
    assert.equal(response.status, 200);
    const multipart = await response.json();
    assert.deepEqual(multipart.semantic, raw.semantic);
    assert.deepEqual(multipart.agnostic, raw.agnostic);
  });
});

Deno.test("POST /v1/recognize decodes with beam search and renders MEI and SVG", async () => {
  const image = await Deno.readFile(PRIMUS_PNG);
  await withApp({}, async (app) => {
    const beam = await app.request(
      "/v1/recognize?decoder=beam&beam=4",
      post(image, "image/png").init,
    );
    assert.equal(beam.status, 200);
    const result = await beam.json();
    assert.ok(result.semantic.sequenceConfidence >= 0);

    const mei = await app.request("/v1/recognize?format=mei", post(image, "image/png").init);
    assert.equal(mei.status, 200);
    assert.equal(mei.headers.get("content-type"), "application/mei+xml");
    assert.match(await mei.text(), /<mei xmlns="http:\/\/www\.music-encoding\.org\/ns\/mei"/);

    const svg = await app.request("/v1/recognize", {
      ...post(image, "image/png").init,
      headers: { "content-type": "image/png", accept: "image/svg+xml" },
    });
    assert.equal(svg.status, 200);
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
    assert.match(await svg.text(), /^<svg /);
  });
});

Deno.test("POST /v1/recognize answers each kind of bad input with a problem naming it", async () => {
  const image = await Deno.readFile(PRIMUS_PNG);
  const blank = await grayPng(300, 80, () => 255);
  const bomb = pngHeaderOnly(30000, 30000);
  const noImage = new FormData();
  noImage.set("title", "no image here");
  const textImage = new FormData();
  textImage.set("image", "not a file");
  const cases: [string, { path: string; init: RequestInit }, number, RegExp][] = [
    ["text", post("hello", "text/plain"), 415, /Content-Type "text\/plain"/],
    ["no type", post(image), 415, /no Content-Type/],
    ["GIF bytes", post(new TextEncoder().encode("GIF89a....."), "image/png"), 415, /GIF/],
    ["empty", post(new Uint8Array(), "image/png"), 422, /empty/],
    ["truncated", post(image.subarray(0, 200), "image/png"), 422, /Corrupt PNG/],
    ["bomb", post(bomb, "image/png"), 413, /30000x30000/],
    ["no staff", post(blank, "image/png"), 422, /No staff found/],
    [
      "no field",
      { path: "/v1/recognize", init: { method: "POST", body: noImage } },
      400,
      /image: /,
    ],
    ["bad multipart", post("--x\r\nnonsense", "multipart/form-data; boundary=x"), 400, /image: /],
    [
      "text field",
      { path: "/v1/recognize", init: { method: "POST", body: textImage } },
      400,
      /expected an image file/,
    ],
    ["beam 0", post(image, "image/png", "?decoder=beam&beam=0"), 400, /beam/],
    ["beam 999", post(image, "image/png", "?decoder=beam&beam=999"), 400, /beam must be at most/],
    ["decoder", post(image, "image/png", "?decoder=magic"), 400, /decoder/],
    ["format", post(image, "image/png", "?format=pdf"), 400, /format/],
    ["layout", post(image, "image/png", "?layout=book"), 400, /layout/],
    ["blank page", post(blank, "image/png", "?layout=page"), 422, /No staff found on the page/],
    ["page bomb", post(bomb, "image/png", "?layout=page"), 413, /30000x30000/],
  ];
  await withApp({ STAVE_MAX_IMAGE_PIXELS: "1000000" }, async (app) => {
    for (const [name, { path, init }, status, detail] of cases) {
      const response = await app.request(path, init);
      assert.equal(response.status, status, name);
      assert.equal(response.headers.get("content-type"), "application/problem+json", name);
      const { detail: actual } = await response.json();
      assert.match(actual, detail, `${name}: ${actual}`);
    }
  });
  await withApp({ STAVE_MAX_BODY_BYTES: "2048" }, async (app) => {
    const response = await app.request("/v1/recognize", post(image, "image/png").init);
    assert.equal(response.status, 413);
    await response.body?.cancel();
  });
});

Deno.test("POST /v1/recognize works through a listening server", async () => {
  const image = await Deno.readFile(PRIMUS_PNG);
  await withApp({}, async (app) => {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    try {
      const base = `http://127.0.0.1:${server.addr.port}/v1/recognize`;
      const ok = await fetch(base, {
        method: "POST",
        body: image,
        headers: { "content-type": "image/png" },
      });
      assert.equal(ok.status, 200);
      assert.ok(Array.isArray((await ok.json()).semantic.tokens));
      const bad = await fetch(base, {
        method: "POST",
        body: "x",
        headers: { "content-type": "image/gif" },
      });
      assert.equal(bad.status, 415);
      assert.equal(bad.headers.get("content-type"), "application/problem+json");
      await bad.body?.cancel();
    } finally {
      await server.shutdown();
    }
  });
});
