import assert from "node:assert/strict";
import { classifyNotes, genreModel } from "../../../shared/classify/classify.ts";
import type { OnnxBackend } from "../../../shared/config.ts";
import { type ModelEntry, ModelRegistry, parseManifest } from "../../../shared/models/mod.ts";
import { pianoRollWindows } from "../../../shared/music/piano_roll.ts";
import type { TimedNote } from "../../../shared/music/timeline.ts";
import { Problem } from "../../../shared/problem.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";

const MODELS = new URL("../../../models/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(await Deno.readTextFile(`${MODELS}manifest.json`)));
const classifier = manifest.models.find((m) => m.name === "genre");
const parity = classifier
  ? JSON.parse(await Deno.readTextFile(`${MODELS}gen/genre_parity.json`))
  : { cases: [] };

const ENTRY = {
  name: "genre",
  version: "1",
  task: "classify",
  file: "gen/genre.onnx",
  sha256: "0".repeat(64),
  bytes: 1,
  quantization: "fp32",
  inputs: [{ name: "roll", dtype: "float32", shape: ["batch", 2, 73, 128] }],
  outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 2] }],
  labels: ["a", "b"],
  preprocess: { lowPitch: 28, pitches: 73, stepTicks: 12, steps: 128, hop: 64 },
} as const satisfies ModelEntry;

Deno.test("genreModel() reads the piano-roll grid and refuses entries it cannot use", () => {
  assert.deepEqual(genreModel(ENTRY).spec, ENTRY.preprocess);
  assert.deepEqual(genreModel(ENTRY).genres, ["a", "b"]);
  assert.throws(() => genreModel({ ...ENTRY, task: "generate" }), /task is generate/);
  assert.throws(() => genreModel({ ...ENTRY, labels: undefined }), /no genre labels/);
  assert.throws(
    () => genreModel({ ...ENTRY, preprocess: { ...ENTRY.preprocess, hop: 0 } }),
    /preprocess\.hop must be a positive integer/,
  );
});

async function withModels(backend: OnnxBackend, body: (m: ModelRegistry) => Promise<void>) {
  const models = new ModelRegistry({ source: new LocalObjectStore(MODELS), onnx: { backend } });
  try {
    await body(models);
  } finally {
    await models.close();
  }
}

const notesOf = (c: { notes: [number, number, number][] }): TimedNote[] =>
  c.notes.map(([pitch, start, ticks]) => ({ pitch, start, ticks }));

for (const backend of ["node", "web"] as OnnxBackend[]) {
  Deno.test({
    name: `classifyNotes() on ${backend} agrees with the Python model on its fixed pieces`,
    ignore: classifier === undefined,
    async fn() {
      await withModels(backend, async (models) => {
        const labels = genreModel(classifier!).genres;
        for (const c of parity.cases) {
          const notes = notesOf(c);
          const result = await classifyNotes(models, notes, { model: "genre", maxWindows: 512 });
          assert.equal(
            result.windows,
            pianoRollWindows(notes, genreModel(classifier!).spec).windows,
          );
          assert.equal(result.notes, notes.length);
          const probabilities = result.genres.map((g) => g.probability);
          assert.deepEqual(probabilities, [...probabilities].sort((a, b) => b - a));
          assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6);
          assert.equal(result.best, result.genres[0]!.genre);
          for (const { genre, probability } of result.genres) {
            const want = c.probabilities[labels.indexOf(genre)];
            assert.ok(
              Math.abs(probability - want) < 1e-3,
              `${c.genre}: ${genre} ${probability} vs ${want}`,
            );
          }
        }
      });
    },
  });
}

Deno.test({
  name: "classifyNotes() refuses no notes (422) and pieces over the window limit (413)",
  ignore: classifier === undefined,
  async fn() {
    await withModels("node", async (models) => {
      const options = { model: "genre", maxWindows: 512 };
      await assert.rejects(
        classifyNotes(models, [], options),
        (e) => e instanceof Problem && e.status === 422 && /no notes/.test(e.message),
      );
      const spec = genreModel(classifier!).spec;
      // Lengths around window boundaries: the limit counts exactly the windows rasterised.
      for (
        const steps of [1, spec.steps, spec.steps + 1, spec.steps + spec.hop, 5 * spec.steps + 7]
      ) {
        const notes = [{ pitch: 60, start: 0, ticks: steps * spec.stepTicks }];
        const windows = pianoRollWindows(notes, spec).windows;
        const result = await classifyNotes(models, notes, { ...options, maxWindows: windows });
        assert.equal(result.windows, windows);
        if (windows > 1) {
          await assert.rejects(
            classifyNotes(models, notes, { ...options, maxWindows: windows - 1 }),
            (e) => e instanceof Problem && e.status === 413 && e.extensions.windows === windows,
          );
        }
      }
    });
  },
});
