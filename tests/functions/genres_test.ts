import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { withTestApp } from "../support/services.ts";

const MODELS = new URL("../../models/", import.meta.url).pathname;

const withApp = (
  env: Record<string, string>,
  body: (app: ReturnType<typeof createApp>) => Promise<void>,
) => withTestApp({ STAVE_MODELS: MODELS, ...env }, body);

/** A models folder whose manifest holds the committed generator and classifier entries, edited. */
async function manifestWith(
  edit: (entry: Record<string, unknown>) => void,
): Promise<string> {
  const manifest = JSON.parse(await Deno.readTextFile(`${MODELS}manifest.json`));
  manifest.models = manifest.models.filter((m: { task: string }) =>
    m.task === "generate" || m.task === "classify"
  );
  manifest.models.forEach(edit);
  const dir = await Deno.makeTempDir({ prefix: "stave-genres-" });
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
  return dir;
}

Deno.test("GET /v1/genres lists the five genres with descriptions and what serves them", async () => {
  const manifest = JSON.parse(await Deno.readTextFile(`${MODELS}manifest.json`));
  const hasClassifier = manifest.models.some((m: { name: string }) => m.name === "genre");
  await withApp({}, async (app) => {
    const response = await app.request("/v1/genres");
    assert.equal(response.status, 200);
    const { genres, models } = await response.json();
    assert.deepEqual(models, { generate: "melody", classify: "genre" });
    assert.deepEqual(genres.map((g: { id: string }) => g.id), [
      "irish-folk",
      "bach-chorale",
      "renaissance",
      "classical",
      "medieval",
    ]);
    for (const g of genres) {
      assert.match(g.description, /\w{3}/);
      assert.equal(g.generate, true);
      assert.equal(g.classify, hasClassifier);
      for (const key of ["excerpts", "pieces"]) {
        assert.ok(g[key] === null || (Number.isInteger(g[key]) && g[key] > 0), `${g.id} ${key}`);
      }
    }
  });
});

Deno.test("GET /v1/genres reads sample counts and guidance from preprocess.genres, else data.stats", async () => {
  const counted = await manifestWith((entry) => {
    const preprocess = entry.preprocess as { genres?: { id: string }[] };
    preprocess.genres = preprocess.genres?.map((g, i) => ({
      ...g,
      pieces: i + 1,
      excerpts: 10,
      guidance: i / 2,
    }));
  });
  const stats = await manifestWith((entry) => {
    const preprocess = entry.preprocess as { genres?: Record<string, unknown>[] };
    preprocess.genres = preprocess.genres?.map(({ id, description }) => ({ id, description }));
    entry.data = {
      stats: {
        "irish-folk": { train: { pieces: 40, excerpts: 300 }, test: { pieces: 5, excerpts: 30 } },
      },
    };
  });
  try {
    await withApp({ STAVE_MODELS: counted }, async (app) => {
      const { genres } = await (await app.request("/v1/genres")).json();
      assert.deepEqual(genres.map((g: { pieces: number }) => g.pieces), [1, 2, 3, 4, 5]);
      assert.ok(genres.every((g: { excerpts: number }) => g.excerpts === 10));
      assert.deepEqual(genres.map((g: { guidance: number }) => g.guidance), [0, 0.5, 1, 1.5, 2]);
    });
    await withApp({ STAVE_MODELS: stats }, async (app) => {
      const { genres } = await (await app.request("/v1/genres")).json();
      assert.deepEqual(genres[0], {
        id: "irish-folk",
        description: "Irish traditional dance tunes and airs (O'Neill's, 1850)",
        excerpts: 330,
        pieces: 45,
        generate: true,
        guidance: 0,
        classify: genres[0].classify,
      });
      assert.equal(genres[1].excerpts, null);
    });
  } finally {
    await Deno.remove(counted, { recursive: true });
    await Deno.remove(stats, { recursive: true });
  }
});

Deno.test("GET /v1/genres is a 503 problem when the manifest has neither model", async () => {
  await withApp({ STAVE_GENERATE_MODEL: "nope", STAVE_CLASSIFY_MODEL: "none" }, async (app) => {
    const response = await app.request("/v1/genres");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    assert.match((await response.json()).detail, /Unknown model "nope"/);
  });
});

Deno.test("The OpenAPI document describes /v1/generate, /v1/classify and /v1/genres", async () => {
  await withApp({}, async (app) => {
    const document = await (await app.request("/v1/openapi.json")).json();
    const generate = document.paths["/v1/generate"].post;
    assert.ok(generate.requestBody.content["application/json"]);
    assert.deepEqual(
      Object.keys(generate.responses[200].content),
      [
        "application/json",
        "application/vnd.recordare.musicxml+xml",
        "application/mei+xml",
        "audio/midi",
        "image/svg+xml",
      ],
    );
    assert.ok(generate.parameters.some((p: { name: string }) => p.name === "format"));
    const classify = document.paths["/v1/classify"].post;
    for (const type of ["application/json", "text/vnd.abc", "audio/midi", "application/xml"]) {
      assert.ok(classify.requestBody.content[type], type);
    }
    assert.ok(document.paths["/v1/genres"].get.responses[200]);
    for (const name of ["GenerateRequest", "Generation", "Classification", "Genre"]) {
      assert.ok(document.components.schemas[name], name);
    }
    assert.equal((await app.request("/v1/docs")).status, 200);
  });
});
