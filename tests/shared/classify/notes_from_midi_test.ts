import assert from "node:assert/strict";
import { notesFromMidi, skyline } from "../../../shared/classify/notes_from_midi.ts";
import { notesFromTokens } from "../../../shared/classify/notes_from_tokens.ts";
import { renderMeiMidi } from "../../../shared/music/render_midi.ts";
import { parseToken } from "../../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";
import { Problem } from "../../../shared/problem.ts";
import { midiFile } from "../../support/midi.ts";

const rows = (notes: { pitch: number; start: number; ticks: number }[]) =>
  notes.map((n) => [n.pitch, n.start, n.ticks]);

Deno.test("skyline() keeps the highest note at each onset and cuts it at the next", () => {
  const line = skyline([
    { pitch: 48, start: 0, ticks: 192 }, // a bass under everything
    { pitch: 64, start: 0, ticks: 96 },
    { pitch: 60, start: 48, ticks: 48 }, // lower than the sounding 64: hidden
    { pitch: 67, start: 96, ticks: 48 },
    { pitch: 62, start: 192, ticks: 48 }, // after a rest: the bass has ended
  ]);
  assert.deepEqual(rows(line), [[64, 0, 96], [67, 96, 48], [62, 192, 48]]);
  assert.deepEqual(skyline([]), []);
});

Deno.test("notesFromMidi() rescales to 48 ticks a quarter across tracks, without percussion", () => {
  const bytes = midiFile([
    [{ pitch: 72, start: 0, ticks: 480 }, { pitch: 74, start: 480, ticks: 240 }],
    [
      { pitch: 60, start: 0, ticks: 960 },
      { pitch: 76, start: 720, ticks: 240 },
      { pitch: 90, start: 0, ticks: 120, channel: 9 },
    ],
  ], 480);
  assert.deepEqual(rows(notesFromMidi(bytes)), [[72, 0, 48], [74, 48, 24], [76, 72, 24]]);
});

Deno.test("notesFromMidi() reads Verovio's MIDI of a staff as the staff's own notes", async () => {
  const tokens = "clef-G2 keySignature-DM timeSignature-6/8 note-D5_quarter. note-F#5_eighth " +
    "note-E5_eighth note-D5_eighth barline note-C#5_quarter note-B4_half tie barline " +
    "note-B4_quarter. rest-quarter. barline";
  const want = notesFromTokens(tokens.split(" ")).notes;
  const played = notesFromMidi(await renderMeiMidi(tokensToMei(tokens.split(" ").map(parseToken))));
  assert.deepEqual(played.map((n) => [n.pitch, n.start]), want.map((n) => [n.pitch, n.start]));
  // Verovio ends each note a tick early: under half a tick here.
  played.forEach((n, i) => assert.ok(Math.abs(n.ticks - want[i]!.ticks) <= 1, `note ${i}`));
});

Deno.test("notesFromMidi() answers what it cannot read with a 422 naming the body", () => {
  const smpte = midiFile([[{ pitch: 60, start: 0, ticks: 10 }]]);
  smpte[12] = 0xe7; // time division: -25 frames per second
  smpte[13] = 40;
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(), /body is empty/],
    [new TextEncoder().encode("hello, not a MIDI file"), /not a Standard MIDI File/],
    [smpte, /SMPTE/],
    [midiFile([[{ pitch: 38, start: 0, ticks: 48, channel: 9 }]]), /no pitched notes/],
  ];
  for (const [bytes, detail] of cases) {
    assert.throws(() => notesFromMidi(bytes), (e) => {
      assert.ok(e instanceof Problem, String(e));
      assert.equal(e.status, 422);
      assert.equal(e.extensions.field, "body");
      assert.match(e.message, detail);
      return true;
    });
  }
});
