import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { firstAbcTune } from "../../shared/classify/notes_from_score.ts";
import { parseManifest } from "../../shared/models/manifest.ts";
import { meiToSemantic } from "../../shared/music/mei_to_semantic.ts";
import { parseToken } from "../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../shared/music/tokens_to_mei.ts";
import { sharedVerovio } from "../../shared/music/verovio.ts";
import { midiFile } from "../support/midi.ts";
import { withTestApp } from "../support/services.ts";

const MODELS = new URL("../../models/", import.meta.url).pathname;
const MELODIES = new URL("../../../shared/data/melodies/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(await Deno.readTextFile(`${MODELS}manifest.json`)));
const classifier = manifest.models.find((m) => m.name === "genre");
const ignore = classifier === undefined;

const withApp = (
  env: Record<string, string>,
  body: (app: ReturnType<typeof createApp>) => Promise<void>,
) => withTestApp({ STAVE_MODELS: MODELS, ...env }, body);

const post = (body: BodyInit, type?: string): RequestInit => ({
  method: "POST",
  body,
  headers: type ? { "content-type": type } : {},
});
const json = (value: unknown) => post(JSON.stringify(value), "application/json");

interface Answer {
  genres: { genre: string; probability: number }[];
  best: string;
  windows: number;
  notes: number;
  input: string;
}

/** Each genre's probability, in the model's label order. */
const byLabel = (answer: Answer) =>
  classifier!.labels!.map((g) => answer.genres.find((x) => x.genre === g)!.probability);

for (const backend of ["node", "web"]) {
  Deno.test({
    name: `POST /v1/classify on ${backend} agrees with the Python model on its fixed pieces`,
    ignore,
    async fn() {
      const parity = JSON.parse(await Deno.readTextFile(`${MODELS}gen/genre_parity.json`));
      await withApp({ STAVE_ONNX_BACKEND: backend }, async (app) => {
        for (
          const c of parity.cases as { genre: string; notes: number[][]; probabilities: number[] }[]
        ) {
          // The piece as a MIDI file at the classifier's own 48 ticks a quarter.
          const notes = c.notes.map(([pitch, start, ticks]) => ({
            pitch: pitch!,
            start: start!,
            ticks: ticks!,
          }));
          const response = await app.request("/v1/classify", post(midiFile([notes]), "audio/midi"));
          assert.equal(response.status, 200);
          const answer: Answer = await response.json();
          assert.equal(answer.input, "midi");
          assert.equal(answer.notes, notes.length);
          byLabel(answer).forEach((p, g) =>
            assert.ok(
              Math.abs(p - c.probabilities[g]!) < 1e-3,
              `${c.genre}: ${p} vs ${c.probabilities[g]}`,
            )
          );
        }
      });
    },
  });
}

/**
 * What Verovio plays of semantic tokens, as semantic tokens: no grace notes (they take no time on
 * the time line) and no ties between different pitches (some ABC transcriptions write slurs so;
 * Verovio holds the first note through the second).
 */
function asPlayed(semantic: string[]): string[] {
  const tokens = semantic.filter((t) => !t.startsWith("gracenote-"));
  const pitch = (t: string | undefined) => t?.startsWith("note-") ? t.split("_")[0] : undefined;
  return tokens.filter((t, i) => t !== "tie" || pitch(tokens[i - 1]) === pitch(tokens[i + 1]));
}

Deno.test({
  name: "POST /v1/classify reads one real tune the same as ABC, semantic tokens and MIDI",
  ignore,
  async fn() {
    const collection = await Deno.readTextFile(`${MELODIES}irish-folk/0001-0050.abc`);
    const mei = await (await sharedVerovio()).toMei(firstAbcTune(collection), "abc");
    const semantic = meiToSemantic(mei);
    const played = asPlayed(semantic);
    const midi = await (await sharedVerovio()).toMidi(tokensToMei(played.map(parseToken)));
    await withApp({}, async (app) => {
      const answers: Answer[] = [];
      for (
        const init of [
          post(collection, "text/vnd.abc"),
          json({ tokens: semantic }),
          json({ tokens: played }),
          post(midi, "audio/midi"),
        ]
      ) {
        const response = await app.request("/v1/classify", init);
        assert.equal(response.status, 200);
        answers.push(await response.json());
      }
      assert.deepEqual(answers.map((a) => a.input), ["abc", "semantic", "semantic", "midi"]);
      const [abc, tokens, playedTokens, fromMidi] = answers.map(byLabel);
      assert.deepEqual(tokens, abc, "the ABC file is its first tune's semantic tokens");
      fromMidi!.forEach((p, g) => {
        const want = playedTokens![g]!;
        assert.ok(Math.abs(p - want) < 1e-3, `MIDI ${p} vs tokens ${want}`);
      });
      assert.ok(answers.every((a) => a.windows >= 1 && a.notes > 50));
    });
  },
});

Deno.test({
  name: "POST /v1/classify accepts MusicXML, compressed MusicXML, Humdrum and melody tokens",
  ignore,
  async fn() {
    const files: [string, string, string][] = [
      ["medieval/Fava_Dicant_nunc_iudei.xml", "application/vnd.recordare.musicxml+xml", "musicxml"],
      ["medieval/Fava_Dicant_nunc_iudei.xml", "application/xml", "musicxml"],
      ["bach-chorale/bwv1.6.mxl", "application/vnd.recordare.musicxml", "mxl"],
      ["renaissance/Agnus.krn", "text/x-humdrum", "humdrum"],
    ];
    await withApp({}, async (app) => {
      for (const [file, type, input] of files) {
        const response = await app.request(
          "/v1/classify",
          post(await Deno.readFile(`${MELODIES}${file}`), type),
        );
        assert.equal(response.status, 200, file);
        const answer: Answer = await response.json();
        assert.equal(answer.input, input);
        assert.equal(answer.genres.length, classifier!.labels!.length);
        assert.ok(Math.abs(answer.genres.reduce((s, g) => s + g.probability, 0) - 1) < 1e-5);
      }
      const line = await (await app.request(
        "/v1/generate",
        json({ genre: "medieval", measures: 8, seed: 1 }),
      )).json();
      const response = await app.request("/v1/classify", json({ tokens: line.tokens }));
      assert.equal(response.status, 200);
      assert.equal((await response.json()).input, "melody");
    });
  },
});

Deno.test("POST /v1/classify answers each bad input with a 4xx problem naming it", async () => {
  const cases: [string, RequestInit, number, RegExp][] = [
    ["no tokens", json({ tokens: [] }), 400, /tokens/],
    ["tokens type", json({ tokens: "clef-G2" }), 400, /tokens/],
    ["token type", json({ tokens: [1, 2] }), 400, /tokens\.0/],
    ["unknown field", json({ tokens: ["clef-G2"], notes: [] }), 400, /notes/],
    ["bad token", json({ tokens: ["clef-G2", "note-C5_half", "la"] }), 422, /tokens.*2 "la"/],
    ["malformed", post("{tokens:", "application/json"), 400, /JSON/],
    ["empty JSON", post("", "application/json"), 400, /JSON/],
    ["empty MusicXML", post("", "application/vnd.recordare.musicxml+xml"), 422, /body is empty/],
    ["not MusicXML", post("<html/>", "application/xml"), 422, /musicxml/],
    ["not MIDI", post("hello", "audio/midi"), 422, /not a Standard MIDI File/],
    ["no notes", post("X:1\nT:Rest\nM:4/4\nK:C\nz8|\n", "text/vnd.abc"), 422, /no notes/],
    ["text", post("C D E F", "text/plain"), 415, /Content-Type "text\/plain"/],
    ["no type", post(new TextEncoder().encode("C D E F")), 415, /no Content-Type/],
  ];
  await withApp({}, async (app) => {
    for (const [name, init, status, detail] of cases) {
      const response = await app.request("/v1/classify", init);
      assert.equal(response.status, status, name);
      assert.equal(response.headers.get("content-type"), "application/problem+json", name);
      const problem = await response.json();
      const fields = (problem.errors ?? []).map((e: { field: string }) => e.field);
      const named = [problem.field, ...fields, problem.detail];
      assert.match(named.join(" "), detail, `${name}: ${problem.detail}`);
    }
  });
});

Deno.test({
  name: "POST /v1/classify is a 413 problem for a piece over the window limit",
  ignore,
  async fn() {
    const notes = Array.from(
      { length: 400 },
      (_, i) => ({ pitch: 60 + (i % 12), start: i * 48, ticks: 48 }),
    );
    await withApp({ STAVE_CLASSIFY_MAX_WINDOWS: "2" }, async (app) => {
      const response = await app.request("/v1/classify", post(midiFile([notes]), "audio/midi"));
      assert.equal(response.status, 413);
      const problem = await response.json();
      assert.match(problem.detail, /the limit is 2/);
      assert.equal(problem.field, "notes");
    });
  },
});
