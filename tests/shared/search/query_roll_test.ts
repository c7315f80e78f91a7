import assert from "node:assert/strict";
import { ModelRegistry } from "../../../shared/models/mod.ts";
import { Problem } from "../../../shared/problem.ts";
import { queryRoll } from "../../../shared/search/query_roll.ts";
import { audioRoll, notesRoll } from "../../../shared/search/roll.ts";
import { fileQuery, tokensQuery } from "../../../shared/search/search_query.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import { grayPng } from "../../support/images.ts";
import { sine, wavFile } from "../../support/wav.ts";

const OMR_FIXTURE = new URL("../../fixtures/omr/", import.meta.url).pathname;
const spec = { lowPitch: 48, pitches: 37, frames: 8 };
const options = { recognize: { model: "omr-lowrank-int8", maxPixels: 10_000_000 } };

async function withModels(body: (models: ModelRegistry) => Promise<void>) {
  const models = new ModelRegistry({
    source: new LocalObjectStore(OMR_FIXTURE),
    onnx: { backend: "web" },
  });
  try {
    await body(models);
  } finally {
    await models.close();
  }
}

const isProblem = (status: number, detail: RegExp) => (error: Error) => {
  assert.ok(error instanceof Problem, error.message);
  assert.equal(error.status, status);
  assert.match(error.message, detail);
  return true;
};

Deno.test("queryRoll() draws notes and recordings as the training data drew them", async () => {
  await withModels(async (models) => {
    const notes = tokensQuery(["clef-G2", "note-C4_half", "note-E4_quarter", "note-G4_quarter"]);
    assert.deepEqual(
      await queryRoll(models, notes, spec, options),
      notesRoll(notes.modality === "notes" ? notes.notes : [], spec),
    );
    const samples = new Float32Array([...sine(261.63, 0.5), ...sine(329.63, 0.5)]);
    const audio = await fileQuery(wavFile(samples), { maxAudioSeconds: 10 });
    const roll = await queryRoll(models, audio, spec, options);
    assert.ok(audio.modality === "audio");
    assert.deepEqual(roll, audioRoll(audio.audio, spec));
  });
});

Deno.test("queryRoll() refuses queries with nothing to draw", async () => {
  await withModels(async (models) => {
    await assert.rejects(
      queryRoll(models, tokensQuery(["clef-G2", "rest-half", "barline"]), spec, options),
      isProblem(422, /Unreadable notes: none of them sounds/),
    );
    const silence = await fileQuery(wavFile(new Float32Array(8000)), { maxAudioSeconds: 10 });
    await assert.rejects(
      queryRoll(models, silence, spec, options),
      isProblem(422, /Unreadable audio: Cannot draw a roll: the audio is silent/),
    );
    const blip = await fileQuery(wavFile(sine(440, 0.01)), { maxAudioSeconds: 10 });
    await assert.rejects(
      queryRoll(models, blip, spec, options),
      isProblem(422, /shorter than 0\.13 s/),
    );
    const blank = await fileQuery(await grayPng(300, 80, () => 255), { maxAudioSeconds: 10 });
    await assert.rejects(queryRoll(models, blank, spec, options), isProblem(422, /No staff/));
    const huge = { recognize: { ...options.recognize, maxPixels: 100 } };
    await assert.rejects(queryRoll(models, blank, spec, huge), isProblem(413, /pixels/));
  });
});
