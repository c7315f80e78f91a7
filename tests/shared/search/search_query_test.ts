import assert from "node:assert/strict";
import { Problem } from "../../../shared/problem.ts";
import { fileQuery, tokensQuery } from "../../../shared/search/search_query.ts";
import { grayPng } from "../../support/images.ts";
import { midiFile } from "../../support/midi.ts";
import { ABC_REEL, MEI_CHORALE, MUSICXML_WALTZ } from "../../support/scores.ts";
import { sine, wavFile } from "../../support/wav.ts";

const text = (s: string) => new TextEncoder().encode(s);
const options = { maxAudioSeconds: 10 };

/** Asserts that `promise` rejects with a Problem of `status` whose detail matches `detail`. */
async function rejectsWith(promise: Promise<unknown>, status: number, detail: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof Problem, `${error.name}: ${error.message}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, detail);
    return true;
  });
}

Deno.test("tokensQuery() reads semantic and melody tokens as notes", () => {
  const semantic = tokensQuery(["clef-G2", "note-G4_quarter", "note-A4_half", "barline"]);
  assert.equal(semantic.modality, "notes");
  assert.equal(semantic.input, "semantic");
  const melody = tokensQuery(["key:0", "meter:3/4", "n:G4", "d:quarter", "n:A4", "d:half"]);
  assert.equal(melody.input, "melody");
  assert.ok(semantic.modality === "notes" && melody.modality === "notes");
  assert.deepEqual(melody.notes, semantic.notes);
  assert.throws(() => tokensQuery(["clef-G2", "note-X9"]), /token 1 "note-X9"/);
});

Deno.test("fileQuery() tells images, WAV, MIDI and notation apart by their bytes", async () => {
  const png = await grayPng(20, 10, () => 255);
  const sheet = await fileQuery(png, { ...options, contentType: "application/octet-stream" });
  assert.deepEqual([sheet.modality, sheet.input], ["sheet", "png"]);

  const audio = await fileQuery(wavFile(sine(440, 1), { rate: 8000 }), options);
  assert.deepEqual([audio.modality, audio.input], ["audio", "wav"]);
  assert.equal(audio.modality === "audio" && audio.audio.rate, 8000);

  const midi = await fileQuery(midiFile([[{ pitch: 60, start: 0, ticks: 48 }]]), options);
  assert.deepEqual([midi.modality, midi.input], ["notes", "midi"]);
  assert.deepEqual(midi.modality === "notes" && midi.notes, [{ pitch: 60, start: 0, ticks: 48 }]);

  for (const [body, input] of [[ABC_REEL, "abc"], [MUSICXML_WALTZ, "musicxml"]] as const) {
    const query = await fileQuery(text(body), { ...options, contentType: "text/plain" });
    assert.deepEqual([query.modality, query.input], ["notes", input]);
    assert.ok(query.modality === "notes" && query.notes.length > 5);
  }
});

Deno.test("fileQuery() refuses what it cannot read, naming what was sent", async () => {
  const named = { ...options, fileName: "clip.mp3", contentType: "audio/mpeg" };
  await rejectsWith(
    fileQuery(new Uint8Array(), named),
    422,
    /"clip\.mp3" \(audio\/mpeg\): it is empty/,
  );
  await rejectsWith(fileQuery(text("ID3\x04"), named), 415, /Unsupported audio "audio\/mpeg"/);
  await rejectsWith(fileQuery(text("OggS\x00"), options), 415, /"audio\/ogg".*send WAV/);
  await rejectsWith(fileQuery(text("fLaC"), options), 415, /"audio\/flac"/);
  await rejectsWith(fileQuery(text("\x00\x00\x00\x18ftypM4A "), options), 415, /"audio\/mp4"/);
  await rejectsWith(
    fileQuery(text("xyz"), { ...options, contentType: "audio/x-wav" }),
    422,
    /no RIFF WAVE header/,
  );
  await rejectsWith(fileQuery(text(MEI_CHORALE), options), 415, /expected an image of a staff/);
  await rejectsWith(
    fileQuery(text("hello"), { ...options, fileName: "a.txt", contentType: "text/plain" }),
    415,
    /Unsupported file "a\.txt" \(text\/plain\)/,
  );
  await rejectsWith(fileQuery(wavFile(sine(440, 11)), options), 413, /11\.0 s, the limit is 10 s/);
  const truncated = wavFile(sine(440, 1)).subarray(0, 30);
  await rejectsWith(fileQuery(truncated, options), 422, /Unreadable audio: Cannot read WAV/);
  // A codec the reader does not decode is its AudioFormatError, which answers 415.
  await assert.rejects(
    fileQuery(wavFile(sine(440, 1), { codec: 2 }), options),
    /WAV codec 0x2 is not supported/,
  );
});
