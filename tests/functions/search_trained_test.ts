/**
 * `POST /v1/search` across modalities with the trained models of `models/`: a library of twelve
 * Bach chorales is uploaded, and one chorale's first excerpt is searched for as its notes, as an
 * image of the staff engraved from them (read by the recognizer), and as a recording synthesized
 * from them. The image and the recording must find the chorale among the first three: this
 * measures the search model (models/search/, named in models/manifest.json), so it fails with a
 * model that has not learnt the modalities, or without one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { tolerantNotes } from "../../shared/search/tolerant_notes.ts";
import { staffPng } from "../support/images.ts";
import { withTestApp } from "../support/services.ts";
import { synthesize, wavFile } from "../support/wav.ts";

const MODELS = new URL("../../models/", import.meta.url).pathname;
const CHORALES = new URL("../../../shared/data/melodies/bach-chorale/", import.meta.url).pathname;
const API_KEY = "test-api-key-0123456789";

type App = ReturnType<typeof createApp>;

interface Answer {
  modality: string;
  results: { scoreId: string; title: string; similarity: number }[];
}

async function search(app: App, body: BodyInit, type?: string): Promise<Answer> {
  const response = await app.request("/v1/search?limit=3", {
    method: "POST",
    body,
    headers: type ? { "content-type": type } : {},
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

const form = (bytes: Uint8Array, name: string) => {
  const body = new FormData();
  body.append("file", new File([bytes as BlobPart], name));
  return body;
};

Deno.test({
  name: "POST /v1/search finds a chorale by an image of its staff and by a recording of it",
  async fn(t) {
    await withTestApp({ STAVE_MODELS: MODELS, STAVE_API_KEY: API_KEY }, async (app, services) => {
      const files = [...Deno.readDirSync(CHORALES)].map((e) => e.name)
        .filter((n) => n.endsWith(".mxl")).sort().slice(0, 12);
      const ids: string[] = [];
      for (const name of files) {
        const body = form(await Deno.readFile(`${CHORALES}${name}`), name);
        body.append("title", name);
        const response = await app.request("/v1/scores", {
          method: "POST",
          body,
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        const score = await response.json();
        assert.equal(response.status, 201, JSON.stringify(score));
        assert.equal(score.status, "indexed", name);
        ids.push(score.id);
      }
      const target = ids[0]!;
      const { tokens } = await services.database.db.selectFrom("excerpts").select("tokens")
        .where("score_id", "=", target).where("position", "=", 0).executeTakeFirstOrThrow();

      await t.step("its notes find it first", async () => {
        const answer = await search(app, JSON.stringify({ notes: tokens }), "application/json");
        assert.equal(answer.results[0]?.scoreId, target);
        assert.ok(answer.results[0]!.similarity > 0.999);
      });

      await t.step("an image of the staff finds it among the first three", async () => {
        const answer = await search(app, form(await staffPng(tokens), "staff.png"));
        assert.equal(answer.modality, "sheet");
        const found = answer.results.map((r) => r.scoreId);
        assert.ok(found.includes(target), `got ${answer.results.map((r) => r.title)}`);
      });

      await t.step("a recording of the notes finds it among the first three", async () => {
        const samples = synthesize(tolerantNotes(tokens));
        const answer = await search(app, form(wavFile(samples), "played.wav"));
        assert.equal(answer.modality, "audio");
        const found = answer.results.map((r) => r.scoreId);
        assert.ok(found.includes(target), `got ${answer.results.map((r) => r.title)}`);
      });
    });
  },
});
