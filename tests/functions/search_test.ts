/**
 * `POST /v1/search` through `app.request`, on real PGlite and a local store, with the fixture
 * models (the untrained OMR model and the tiny search encoders): scores uploaded through
 * `/v1/scores` are embedded, and found again by the notes of their excerpts. What the trained
 * encoders find across modalities is `search_trained_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { parseManifest } from "../../shared/models/manifest.ts";
import { grayPng, pngHeaderOnly } from "../support/images.ts";
import { resetLibrary } from "../support/library.ts";
import { midiFile } from "../support/midi.ts";
import { ABC_REEL, HUMDRUM_MINUET, MUSICXML_WALTZ } from "../support/scores.ts";
import { type TestServices, withTestApp } from "../support/services.ts";
import { sine, wavFile } from "../support/wav.ts";

const OMR_FIXTURE = new URL("../fixtures/omr/", import.meta.url).pathname;
const API_KEY = "test-api-key-0123456789";
const AUTH = { authorization: `Bearer ${API_KEY}` };
const PROBLEM = "application/problem+json";
const fixture = parseManifest(JSON.parse(await Deno.readTextFile(`${OMR_FIXTURE}manifest.json`)));
const NOTES_SHA256 = fixture.models.find((m) => m.name === "search-notes")!.sha256;

type App = ReturnType<typeof createApp>;

interface Answer {
  modality: string;
  input: string;
  model: { name: string; version: string; sha256: string };
  results: {
    scoreId: string;
    title: string;
    metadata: Record<string, string>;
    similarity: number;
    excerpts: { position: number; firstMeasure: number; lastMeasure: number; similarity: number }[];
  }[];
  timing: Record<string, number>;
}

const form = (file: File) => {
  const body = new FormData();
  body.append("file", file);
  return body;
};
const file = (content: string | Uint8Array, name: string, type = "") =>
  new File([content as BlobPart], name, { type });

const searchJson = (app: App, body: unknown, query = "") =>
  app.request(`/v1/search${query}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
const searchFile = (app: App, f: File, query = "") =>
  app.request(`/v1/search${query}`, { method: "POST", body: form(f) });

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

async function problemOf(response: Response, status: number, detail: RegExp) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal(response.headers.get("content-type"), PROBLEM);
  const document = JSON.parse(text);
  assert.match(document.detail, detail);
  return document;
}

/** Uploads a score through the API and answers its id. */
async function upload(app: App, body: string, name: string, fields: Record<string, string>) {
  const data = form(file(body, name));
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  const response = await app.request("/v1/scores", { method: "POST", body: data, headers: AUTH });
  const score = await response.json();
  assert.equal(response.status, 201, JSON.stringify(score));
  assert.equal(score.status, "indexed");
  assert.equal(score.job.step, "embed");
  return score.id as string;
}

/** The three test scores, uploaded: a reel, a waltz and a minuet. */
async function library(app: App) {
  return {
    reel: await upload(app, ABC_REEL, "reel.abc", { title: "The Reel", composer: "Trad" }),
    waltz: await upload(app, MUSICXML_WALTZ, "waltz.musicxml", {
      title: "The Waltz",
      composer: "Test",
      genre: "waltz",
    }),
    minuet: await upload(app, HUMDRUM_MINUET, "minuet.krn", {
      title: "The Minuet",
      composer: "Test",
      genre: "minuet",
    }),
  };
}

async function excerptsOf(services: TestServices, scoreId: string) {
  return await services.database.db.selectFrom("excerpts")
    .select(["position", "tokens", "embedding"]).where("score_id", "=", scoreId)
    .orderBy("position").execute();
}

/** The waltz's first two measures, which are its first excerpt at two measures an excerpt. */
const WALTZ_OPENING = MUSICXML_WALTZ.replace(/<measure number="3">[\s\S]*?<\/measure>\s*/, "");

function steps(list: Record<string, (app: App, services: TestServices) => Promise<void>>) {
  return (t: Deno.TestContext) =>
    withTestApp({
      STAVE_MODELS: OMR_FIXTURE,
      STAVE_EXCERPT_MEASURES: "2",
      STAVE_API_KEY: API_KEY,
      STAVE_MAX_BODY_BYTES: "1000000",
      STAVE_SEARCH_MAX_AUDIO_SECONDS: "5",
    }, async (app, services) => {
      for (const [name, body] of Object.entries(list)) {
        await resetLibrary(services.database.db, services.store);
        await t.step(name, () => body(app, services));
      }
    });
}

Deno.test(
  "POST /v1/search on the fixture models",
  steps({
    "an upload embeds every excerpt, and each excerpt's notes find it first": async (
      app,
      services,
    ) => {
      const { reel } = await library(app);
      const excerpts = await excerptsOf(services, reel);
      assert.equal(excerpts.length, 4);
      assert.ok(excerpts.every((e) => e.embedding !== null));
      const row = await services.database.db.selectFrom("scores").select("embedding_sha256")
        .where("id", "=", reel).executeTakeFirstOrThrow();
      assert.equal(row.embedding_sha256, NOTES_SHA256);
      for (const excerpt of excerpts) {
        const answer = await answerOf(await searchJson(app, { notes: excerpt.tokens }));
        assert.equal(answer.modality, "notes");
        assert.equal(answer.input, "semantic");
        assert.equal(answer.model.name, "search-notes");
        assert.equal(answer.results.length, 3);
        const [best] = answer.results;
        assert.equal(best!.scoreId, reel);
        assert.equal(best!.title, "The Reel");
        assert.deepEqual(best!.metadata, { composer: "Trad" });
        assert.ok(best!.similarity > 0.9999, `similarity ${best!.similarity}`);
        assert.equal(best!.excerpts[0]!.position, excerpt.position);
        assert.equal(best!.excerpts[0]!.firstMeasure, excerpt.position * 2 + 1);
        assert.ok(best!.excerpts.length <= 3);
        assert.ok(answer.results.every((r, i) => i === 0 || r.similarity <= best!.similarity));
      }
    },

    "MusicXML, MIDI and melody tokens of the same music find it": async (app) => {
      const { waltz } = await library(app);
      const queries = [
        [await searchFile(app, file(WALTZ_OPENING, "opening.musicxml")), "musicxml"],
        [
          await searchFile(
            app,
            file(
              midiFile([
                [67, 71, 74].map((pitch, i) => ({ pitch, start: i * 48, ticks: 48 }))
                  .concat([{ pitch: 78, start: 144, ticks: 96 }, {
                    pitch: 76,
                    start: 240,
                    ticks: 48,
                  }]),
              ]),
              "opening.mid",
              "audio/midi",
            ),
          ),
          "midi",
        ],
        [
          await searchJson(app, {
            notes: ["key:1", "meter:3/4", "n:G4", "d:quarter", "n:B4", "d:quarter", "n:D5"]
              .concat(["d:quarter", "bar", "n:F#5", "d:half", "n:E5", "d:quarter", "bar"]),
          }),
          "melody",
        ],
      ] as const;
      for (const [response, input] of queries) {
        const answer = await answerOf(response);
        assert.equal(answer.input, input);
        assert.equal(answer.results[0]!.scoreId, waltz, input);
        assert.ok(
          answer.results[0]!.similarity > 0.9999,
          `${input}: ${answer.results[0]!.similarity}`,
        );
        assert.equal(answer.results[0]!.excerpts[0]!.position, 0);
      }
    },

    "limit and filters choose the scores answered": async (app, services) => {
      const { reel, waltz, minuet } = await library(app);
      const [opening] = await excerptsOf(services, waltz);
      const notes = { notes: opening!.tokens };
      const ids = async (query: string) =>
        (await answerOf(await searchJson(app, notes, query))).results.map((r) => r.scoreId);
      assert.equal((await ids("")).length, 3);
      assert.deepEqual(await ids("?limit=1"), [waltz]);
      assert.equal((await ids("?limit=2")).length, 2);
      assert.deepEqual(await ids("?filter[composer]=TRAD"), [reel]);
      assert.deepEqual((await ids("?filter[composer]=test")).sort(), [waltz, minuet].sort());
      assert.deepEqual(await ids("?filter[composer]=test&filter[genre]=minuet"), [minuet]);
      assert.deepEqual(await ids("?filter[composer]=nobody"), []);
      assert.deepEqual(await ids("?filter[instrument]=flute"), []);
      await problemOf(await searchJson(app, notes, "?limit=0"), 400, /limit/);
      await problemOf(await searchJson(app, notes, "?limit=51"), 400, /limit: must be at most 50/);
      await problemOf(await searchJson(app, notes, "?limit=ten"), 400, /limit/);
      await problemOf(await searchJson(app, notes, "?filter=trad"), 400, /filter/);
      await problemOf(await searchJson(app, notes, "?filters[composer]=x"), 400, /filter\[/);
      await problemOf(await searchJson(app, notes, "?filter[Composer]=x"), 400, /lower-case/);
      await problemOf(
        await searchJson(app, notes, "?filter[composer]=a&filter[composer]=b"),
        400,
        /given twice/,
      );
    },

    "a deleted score is no longer found": async (app, services) => {
      const { reel } = await library(app);
      const [first] = await excerptsOf(services, reel);
      const before = await answerOf(await searchJson(app, { notes: first!.tokens }));
      assert.equal(before.results[0]!.scoreId, reel);
      const deleted = await app.request(`/v1/scores/${reel}`, { method: "DELETE", headers: AUTH });
      assert.equal(deleted.status, 204);
      const after = await answerOf(await searchJson(app, { notes: first!.tokens }));
      assert.equal(after.results.length, 2);
      assert.ok(after.results.every((r) => r.scoreId !== reel));
    },

    "scores another model embedded are not compared": async (app, services) => {
      const { reel } = await library(app);
      await services.database.db.updateTable("scores").set({ embedding_sha256: "0".repeat(64) })
        .where("id", "=", reel).execute();
      const [first] = await excerptsOf(services, reel);
      const answer = await answerOf(await searchJson(app, { notes: first!.tokens }));
      assert.ok(answer.results.every((r) => r.scoreId !== reel));
    },

    "recordings and images are read as audio and sheets": async (app) => {
      await library(app);
      const tune = [67, 71, 74, 78].flatMap((p) => [...sine(440 * 2 ** ((p - 69) / 12), 0.4)]);
      const audio = await answerOf(await searchFile(app, file(wavFile(tune), "tune.wav")));
      assert.equal(audio.modality, "audio");
      assert.equal(audio.input, "wav");
      assert.equal(audio.model.name, "search-audio");
      assert.equal(audio.results.length, 3);
      const float = await answerOf(
        await searchFile(app, file(wavFile(tune, { codec: 3, bits: 32 }), "float.wav")),
      );
      assert.equal(float.modality, "audio");
      // The untrained recognizer reads no staff in a blank image: a sheet query, refused.
      const blank = await grayPng(300, 80, () => 255);
      await problemOf(await searchFile(app, file(blank, "blank.png")), 422, /No staff found/);
    },

    "the OpenAPI document describes the search, its limit and its filters": async (app) => {
      const document = await (await app.request("/v1/openapi.json")).json();
      const operation = document.paths["/v1/search"].post;
      assert.deepEqual(Object.keys(operation.requestBody.content).sort(), [
        "application/json",
        "multipart/form-data",
      ]);
      const params = Object.fromEntries(
        operation.parameters.map((p: { name: string }) => [p.name, p]),
      );
      assert.equal(params.limit.in, "query");
      assert.equal(params.filter.style, "deepObject");
      assert.ok(operation.responses["415"] && operation.responses["422"]);
      assert.ok(document.components.schemas.SearchResults);
    },

    "bad input is a problem naming it": async (app) => {
      await library(app);
      const text = (s: string) => new TextEncoder().encode(s);
      const bytes = (...values: number[]) => new Uint8Array(values);
      const cases: [string, () => Response | Promise<Response>, number, RegExp][] = [
        [
          "plain text body",
          () => app.request("/v1/search", { method: "POST", body: "C D E" }),
          415,
          /Content-Type.*expected multipart\/form-data or application\/json/,
        ],
        [
          "no file field",
          () => {
            const body = new FormData();
            body.append("notes", "clef-G2");
            return app.request("/v1/search", { method: "POST", body });
          },
          400,
          /Invalid form: file/,
        ],
        [
          "text in the file field",
          () => {
            const body = new FormData();
            body.append("file", "clef-G2");
            return app.request("/v1/search", { method: "POST", body });
          },
          400,
          /Missing multipart field "file": expected an image, WAV or notes file/,
        ],
        ["empty file", () => searchFile(app, file("", "empty.wav")), 422, /it is empty/],
        ["malformed JSON", () => searchJson(app, "{"), 400, /JSON|json/],
        ["notes not a list", () => searchJson(app, { notes: "clef-G2" }), 400, /notes/],
        ["no notes", () => searchJson(app, { notes: [] }), 400, /notes/],
        ["numbers", () => searchJson(app, { notes: [1, 2] }), 400, /notes/],
        ["another key", () => searchJson(app, { tokens: ["clef-G2"] }), 400, /tokens|notes/],
        ["a bad token", () => searchJson(app, { notes: ["clef-G2", "note-X9"] }), 422, /token 1/],
        [
          "no sounding note",
          () => searchJson(app, { notes: ["clef-G2", "rest-quarter", "barline"] }),
          422,
          /none of them sounds/,
        ],
        [
          "unreadable MusicXML",
          () => searchFile(app, file('<score-partwise version="4.0"><part-list>', "x.musicxml")),
          422,
          /Unreadable notes/,
        ],
        ["a GIF", () => searchFile(app, file(text("GIF89a\x01\x00"), "a.gif")), 415, /a\.gif/],
        ["text", () => searchFile(app, file("hello", "a.txt", "text/plain")), 415, /text\/plain/],
        [
          "a corrupt PNG",
          () =>
            searchFile(
              app,
              file(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1), "x.png"),
            ),
          422,
          /PNG/,
        ],
        [
          "an image over the pixel limit",
          () => searchFile(app, file(pngHeaderOnly(100_000, 100_000), "huge.png")),
          413,
          /pixels/,
        ],
        [
          "a body over the limit",
          () => searchFile(app, file(new Uint8Array(1_100_000), "big.wav")),
          413,
          /exceeds the limit/,
        ],
        [
          "MP3",
          () => searchFile(app, file(text("ID3\x03\x00\x00\x00"), "a.mp3", "audio/mpeg")),
          415,
          /audio\/mpeg.*send WAV/,
        ],
        ["Ogg", () => searchFile(app, file(text("OggS\x00\x02"), "a.ogg")), 415, /audio\/ogg/],
        ["FLAC", () => searchFile(app, file(text("fLaC\x00\x00"), "a.flac")), 415, /audio\/flac/],
        [
          "declared audio",
          () => searchFile(app, file(text("\x00\x01\x02\x03"), "a.opus", "audio/opus")),
          415,
          /audio\/opus/,
        ],
        [
          "compressed WAV",
          () => searchFile(app, file(wavFile(sine(440, 1), { codec: 0x55 }), "mp3.wav")),
          415,
          /WAV codec 0x55 is not supported/,
        ],
        [
          "a WAV label without WAV",
          () => searchFile(app, file(text("\x00\x01\x02\x03"), "a.wav", "audio/wav")),
          422,
          /no RIFF WAVE header/,
        ],
        [
          "silent audio",
          () => searchFile(app, file(wavFile(new Float32Array(16000)), "silence.wav")),
          422,
          /silent/,
        ],
        [
          "too short audio",
          () => searchFile(app, file(wavFile(sine(440, 0.05)), "short.wav")),
          422,
          /shorter than/,
        ],
        [
          "too long audio",
          () => searchFile(app, file(wavFile(sine(440, 6), { bits: 8 }), "long.wav")),
          413,
          /Recording too long: 6\.0 s, the limit is 5 s/,
        ],
      ];
      for (const [name, send, status, detail] of cases) {
        await problemOf(await send(), status, detail).catch((error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
    },
  }),
);

Deno.test("POST /v1/search is a read: it needs the scope read when reads are not public", async () => {
  await withTestApp({ STAVE_PUBLIC_READ: "false", STAVE_API_KEY: API_KEY }, async (app) => {
    const body = JSON.stringify({ notes: ["clef-G2", "note-C5_whole", "barline"] });
    const send = (headers: Record<string, string>) =>
      app.request("/v1/search", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    await problemOf(await send({}), 401, /Missing API key: this needs the scope "read"/);
    const answer = await answerOf(await send(AUTH));
    assert.deepEqual(answer.results, []);
  });
});
