/**
 * Standard MIDI Files written for tests with `midi-file`: notes per track, on any channel.
 *
 * @module
 */
import { type MidiEvent, parseMidi, writeMidi } from "midi-file";

/** A note to write: MIDI pitch, onset and length in the file's ticks, channel 0 by default. */
export interface MidiNote {
  pitch: number;
  start: number;
  ticks: number;
  channel?: number;
}

/** A format-1 file of `tracks` at `ticksPerBeat`; note-offs are note-ons of velocity 0. */
export function midiFile(tracks: MidiNote[][], ticksPerBeat = 48): Uint8Array<ArrayBuffer> {
  const written = tracks.map((notes) => {
    const events = notes.flatMap((n) => [
      { at: n.start, on: true, n },
      { at: n.start + n.ticks, on: false, n },
    ]).sort((a, b) => a.at - b.at || Number(a.on) - Number(b.on));
    let now = 0;
    const track: MidiEvent[] = events.map(({ at, on, n }) => {
      const deltaTime = at - now;
      now = at;
      return {
        deltaTime,
        type: "noteOn",
        channel: n.channel ?? 0,
        noteNumber: n.pitch,
        velocity: on ? 80 : 0,
      };
    });
    track.push({ deltaTime: 0, type: "endOfTrack", meta: true });
    return track;
  });
  return Uint8Array.from(
    writeMidi({ header: { format: 1, numTracks: written.length, ticksPerBeat }, tracks: written }),
  );
}

/** The pitches a MIDI file plays, in onset order (ties by pitch, highest first). */
export function playedPitches(bytes: Uint8Array): number[] {
  const notes: [number, number][] = [];
  for (const track of parseMidi(bytes).tracks) {
    let now = 0;
    for (const event of track) {
      now += event.deltaTime;
      if (event.type === "noteOn" && event.velocity > 0) notes.push([now, event.noteNumber]);
    }
  }
  return notes.sort((a, b) => a[0] - b[0] || b[1] - a[1]).map(([, pitch]) => pitch);
}
