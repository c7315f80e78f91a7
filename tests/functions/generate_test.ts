import assert from "node:assert/strict";
import { parseMidi } from "midi-file";
import { createApp } from "../../app.ts";
import { notesFromTokens } from "../../shared/classify/notes_from_tokens.ts";
import { melodyModel } from "../../shared/generate/mod.ts";
import { parseManifest } from "../../shared/models/mod.ts";
import { formatToken } from "../../shared/music/semantic_tokens.ts";
import { parseXml, walkXml } from "../../shared/music/xml.ts";
import { assertGrammatical } from "../support/melody.ts";
import { playedPitches } from "../support/midi.ts";
import { xsdErrors } from "../support/musicxml.ts";
import { withTestApp } from "../support/services.ts";

/** The committed generator. */
const MODELS = new URL("../../models/", import.meta.url).pathname;

/** Each genre's default guidance in the committed manifest. */
const GUIDANCE = (() => {
  const manifest = parseManifest(JSON.parse(Deno.readTextFileSync(`${MODELS}manifest.json`)));
  const model = melodyModel(manifest.models.find((m) => m.name === "melody")!);
  return Object.fromEntries(model.genres.map((g, i) => [g, model.guidance[i]!]));
})();

const withApp = (
  env: Record<string, string>,
  body: (app: ReturnType<typeof createApp>) => Promise<void>,
) => withTestApp({ STAVE_MODELS: MODELS, ...env }, body);

const post = (body: unknown, type = "application/json") => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": type },
});

const REQUEST = { genre: "irish-folk", measures: 8, temperature: 1, top_p: 0.95 };

for (const backend of ["node", "web"]) {
  Deno.test(`POST /v1/generate on ${backend}: a seed repeats its melody, another differs`, async () => {
    await withApp({ STAVE_ONNX_BACKEND: backend }, async (app) => {
      const answer = async (body: unknown) => {
        const response = await app.request("/v1/generate", post(body));
        assert.equal(response.status, 200);
        return await response.json();
      };
      const a = await answer({ ...REQUEST, seed: 42 });
      const b = await answer({ ...REQUEST, seed: 42 });
      const c = await answer({ ...REQUEST, seed: 43 });
      assert.deepEqual(b.tokens, a.tokens);
      assert.notDeepEqual(c.tokens, a.tokens);
      for (const line of [a, c]) {
        assertGrammatical(line.tokens, 8);
        assert.equal(line.measures, 8);
        assert.equal(line.finish, "measures");
        assert.equal(line.genre, "irish-folk");
        assert.deepEqual(line.semantic.slice(1, 3), [
          formatToken({ kind: "keySignature", fifths: line.key }),
          `timeSignature-${line.meter}`,
        ]);
      }
      assert.equal(a.seed, 42);
      assert.deepEqual(a.parameters, {
        measures: 8,
        temperature: 1,
        top_p: 0.95,
        guidance: GUIDANCE["irish-folk"],
      });
      assert.equal(a.guidance, GUIDANCE["irish-folk"], "the genre's calibrated default");
      assert.equal(a.model.name, "melody");
      assert.match(a.model.sha256, /^[0-9a-f]{64}$/);
      assert.ok(a.timing.steps >= a.tokens.length && a.timing.tokensPerSecond > 0);
    });
  });
}

Deno.test("POST /v1/generate answers a random seed that repeats the melody", async () => {
  await withApp({}, async (app) => {
    const body = { genre: "bach-chorale", measures: 4, primer: ["key:-1", "meter:4/4"] };
    const first = await (await app.request("/v1/generate", post(body))).json();
    assert.ok(Number.isInteger(first.seed));
    assert.deepEqual(first.tokens.slice(0, 2), ["key:-1", "meter:4/4"]);
    assert.deepEqual(first.parameters.primer, body.primer);
    const again = await (await app.request("/v1/generate", post({ ...body, seed: first.seed })))
      .json();
    assert.deepEqual(again.tokens, first.tokens);
  });
});

Deno.test("POST /v1/generate?format=musicxml is valid MusicXML with every generated note", async () => {
  await withApp({}, async (app) => {
    const body = { ...REQUEST, genre: "classical", seed: 8 };
    const line = await (await app.request("/v1/generate", post(body))).json();
    const response = await app.request("/v1/generate?format=musicxml", post(body));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/vnd.recordare.musicxml+xml");
    assert.equal(response.headers.get("x-stave-seed"), "8");
    assert.equal(response.headers.get("x-stave-finish"), "measures");
    const xml = await response.text();
    assert.deepEqual(await xsdErrors([xml]), []);
    const elements = [...walkXml(parseXml(xml))];
    const events = line.semantic.filter((t: string) => /^(note|rest)-/.test(t)).length;
    assert.equal(elements.filter((e) => e.name === "note").length, events);
    assert.equal(elements.filter((e) => e.name === "measure").length, 8);
  });
});

Deno.test("POST /v1/generate?format=midi plays the generated notes", async () => {
  await withApp({}, async (app) => {
    const body = { ...REQUEST, genre: "irish-folk", seed: 21 };
    const line = await (await app.request("/v1/generate", post(body))).json();
    const response = await app.request("/v1/generate?format=midi", post(body));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "audio/midi");
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(parseMidi(bytes).header.format, 1);
    // Tied notes sound once: the MIDI plays the line's time line.
    const sounding = notesFromTokens(line.tokens).notes.map((n) => n.pitch);
    assert.ok(sounding.length > 0);
    assert.deepEqual(playedPitches(bytes), sounding);
  });
});

Deno.test("POST /v1/generate renders MEI and SVG, also chosen by Accept", async () => {
  await withApp({}, async (app) => {
    const body = { ...REQUEST, measures: 2, seed: 5 };
    const mei = await app.request("/v1/generate?format=mei", post(body));
    assert.equal(mei.headers.get("content-type"), "application/mei+xml");
    assert.match(await mei.text(), /<mei xmlns="http:\/\/www\.music-encoding\.org\/ns\/mei"/);
    const svg = await app.request("/v1/generate", {
      ...post(body),
      headers: { "content-type": "application/json", accept: "image/svg+xml" },
    });
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
    assert.match(await svg.text(), /^<svg /);
  });
});

Deno.test("POST /v1/generate answers each bad input with a 4xx problem naming the field", async () => {
  const cases: [string, RequestInit, number, string | null, RegExp][] = [
    ["unknown genre", post({ genre: "polka" }), 422, "genre", /irish-folk, bach-chorale/],
    ["no genre", post({ measures: 4 }), 400, "genre", /genre/],
    ["genre type", post({ genre: 5 }), 400, "genre", /genre/],
    ["measures 0", post({ ...REQUEST, measures: 0 }), 400, "measures", /measures/],
    ["measures 65", post({ ...REQUEST, measures: 65 }), 400, "measures", /1\.\.64/],
    ["measures type", post({ ...REQUEST, measures: "8" }), 400, "measures", /measures/],
    ["measures 2.5", post({ ...REQUEST, measures: 2.5 }), 400, "measures", /measures/],
    ["temperature 0", post({ ...REQUEST, temperature: 0 }), 400, "temperature", /temperature/],
    ["temperature 3", post({ ...REQUEST, temperature: 3 }), 400, "temperature", /\(0, 2\]/],
    ["temperature type", post({ ...REQUEST, temperature: "hot" }), 400, "temperature", /temp/],
    ["top_p 0", post({ ...REQUEST, top_p: 0 }), 400, "top_p", /top_p/],
    ["top_p 1.5", post({ ...REQUEST, top_p: 1.5 }), 400, "top_p", /top_p/],
    ["guidance -1", post({ ...REQUEST, guidance: -1 }), 400, "guidance", /guidance/],
    ["guidance 17", post({ ...REQUEST, guidance: 17 }), 400, "guidance", /guidance/],
    ["guidance type", post({ ...REQUEST, guidance: "strong" }), 400, "guidance", /guidance/],
    ["seed -1", post({ ...REQUEST, seed: -1 }), 400, "seed", /seed/],
    ["seed 2^32", post({ ...REQUEST, seed: 2 ** 32 }), 400, "seed", /seed/],
    ["seed 1.5", post({ ...REQUEST, seed: 1.5 }), 400, "seed", /seed/],
    ["seed type", post({ ...REQUEST, seed: "7" }), 400, "seed", /seed/],
    ["key 9", post({ ...REQUEST, key: 9 }), 400, "key", /key/],
    ["key 7", post({ ...REQUEST, key: 7 }), 422, "key", /key:7/],
    ["meter 5/4", post({ ...REQUEST, meter: "5/4" }), 422, "meter", /meter:5\/4/],
    ["primer type", post({ ...REQUEST, primer: "key:0" }), 400, "primer", /primer/],
    [
      "bad primer",
      post({ ...REQUEST, primer: ["key:0", "meter:C", "n:C5", "bar"] }),
      422,
      "primer",
      /token 3: Token "bar" is not a duration/,
    ],
    ["unknown field", post({ ...REQUEST, topP: 1 }), 400, "(root)", /topP/],
    ["malformed", post("{genre:"), 400, null, /JSON/],
    ["empty", post(""), 400, null, /JSON/],
    ["text", post("genre=irish-folk", "text/plain"), 415, null, /text\/plain/],
    ["?format=pdf", post(REQUEST), 400, "format", /format/],
  ];
  await withApp({}, async (app) => {
    for (const [name, init, status, field, detail] of cases) {
      const path = `/v1/generate${name.startsWith("?") ? name : ""}`;
      const response = await app.request(path, init);
      assert.equal(response.status, status, name);
      assert.equal(response.headers.get("content-type"), "application/problem+json", name);
      const problem = await response.json();
      assert.match(problem.detail, detail, `${name}: ${problem.detail}`);
      if (field !== null) {
        const named = problem.field ?? problem.errors?.map((e: { field: string }) => e.field);
        assert.ok([named].flat().includes(field), `${name} names ${field}: ${problem.detail}`);
        if (field !== "(root)") assert.match(problem.detail, new RegExp(field), name);
      }
    }
  });
});

Deno.test("POST /v1/generate lets other origins' pages read the seed and finish headers", async () => {
  await withApp({ STAVE_CORS_ORIGINS: "https://app.stave.test" }, async (app) => {
    const response = await app.request("/v1/generate?format=mei", {
      ...post({ ...REQUEST, measures: 1, seed: 3 }),
      headers: { "content-type": "application/json", origin: "https://app.stave.test" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://app.stave.test");
    const exposed = response.headers.get("access-control-expose-headers") ?? "";
    assert.match(exposed, /x-stave-seed/);
    assert.match(exposed, /x-stave-finish/);
    await response.body?.cancel();
  });
});
