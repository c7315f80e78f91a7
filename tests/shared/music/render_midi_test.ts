import assert from "node:assert/strict";
import { parseMidi } from "midi-file";
import { renderMeiMidi } from "../../../shared/music/render_midi.ts";
import { parseToken, semitone } from "../../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";

interface Played {
  pitch: number;
  at: number;
  ticks: number;
}

/** The notes a MIDI file plays, in order, with their onsets and lengths in ticks. */
function played(bytes: Uint8Array): { notes: Played[]; ticksPerBeat: number } {
  const midi = parseMidi(bytes);
  const notes: Played[] = [];
  const open = new Map<number, { index: number; at: number }>();
  for (const track of midi.tracks) {
    let now = 0;
    for (const event of track) {
      now += event.deltaTime;
      if (event.type === "noteOn" && event.velocity > 0) {
        open.set(event.noteNumber, { index: notes.length, at: now });
        notes.push({ pitch: event.noteNumber, at: now, ticks: 0 });
      } else if (event.type === "noteOff" || (event.type === "noteOn" && event.velocity === 0)) {
        const start = open.get(event.noteNumber);
        assert.ok(start, `note ${event.noteNumber} ends without starting`);
        notes[start.index]!.ticks = now - start.at;
        open.delete(event.noteNumber);
      }
    }
  }
  assert.equal(open.size, 0, "every note ends");
  return { notes, ticksPerBeat: midi.header.ticksPerBeat ?? 0 };
}

/** Onsets in beats exactly; lengths in beats up to the one-tick gap Verovio leaves between notes. */
function assertTiming(notes: Played[], ticksPerBeat: number, onsets: number[], beats: number[]) {
  assert.deepEqual(notes.map((n) => n.at / ticksPerBeat), onsets);
  for (const [i, n] of notes.entries()) {
    const expected = beats[i]! * ticksPerBeat;
    assert.ok(n.ticks <= expected && n.ticks >= expected - 1, `note ${i} lasts ${n.ticks} ticks`);
  }
}

Deno.test("renderMeiMidi plays each note of a staff at its pitch and length", async () => {
  const tokens = (
    "clef-G2 keySignature-DM timeSignature-3/4 note-F#5_quarter note-E5_eighth. " +
    "note-D5_sixteenth note-C#5_quarter barline note-Bb4_half rest-quarter barline"
  ).split(" ").map(parseToken);
  const bytes = await renderMeiMidi(tokensToMei(tokens));
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "MThd");
  const { notes, ticksPerBeat } = played(bytes);
  assert.ok(ticksPerBeat > 0);
  // PrIMuS pitches are the sounding ones (F# in D major), and so are the MIDI notes.
  assert.deepEqual(notes.map((n) => n.pitch), [78, 76, 74, 73, 70]);
  assertTiming(notes, ticksPerBeat, [0, 1, 1.75, 2, 3], [1, 0.75, 0.25, 1, 2]);
});

Deno.test("renderMeiMidi plays tied notes as one note and rests as silence", async () => {
  const tokens = (
    "clef-F4 keySignature-CM timeSignature-4/4 note-C3_half note-G2_half tie barline " +
    "note-G2_quarter rest-quarter note-A2_half barline"
  ).split(" ").map(parseToken);
  const { notes, ticksPerBeat } = played(await renderMeiMidi(tokensToMei(tokens)));
  const expected = tokens.flatMap((t) => t.kind === "note" ? [semitone(t.pitch)] : []);
  // The tie joins the second and third notes.
  assert.deepEqual(notes.map((n) => n.pitch), [expected[0], expected[1], expected[3]]);
  assertTiming(notes, ticksPerBeat, [0, 2, 6], [2, 3, 2]);
});
