/**
 * @module Notes of a Standard MIDI File: every track and channel but percussion, rescaled to 48
 * ticks a quarter, reduced to one line by the skyline (the highest note at each onset).
 */
import { parseMidi } from "midi-file";
import { TICKS_PER_QUARTER } from "../music/melody_tokens.ts";
import type { TimedNote } from "../music/timeline.ts";
import { unreadableNotes } from "./unreadable_notes.ts";

/** MIDI channel 10 (index 9) is percussion: no pitches. */
const PERCUSSION = 9;

/** Every pitched note of the file as `[pitch, start, end]` in the file's ticks. */
function soundingNotes(bytes: Uint8Array): { notes: number[][]; ticksPerBeat: number } {
  let midi: ReturnType<typeof parseMidi>;
  try {
    midi = parseMidi(bytes);
  } catch (error) {
    // midi-file throws strings.
    const why = String(error instanceof Error ? error.message : error).slice(0, 120);
    throw unreadableNotes(`not a Standard MIDI File: ${why}`, { field: "body" }, error);
  }
  const ticksPerBeat = midi.header.ticksPerBeat;
  if (!ticksPerBeat) {
    throw unreadableNotes(
      "SMPTE time (frames per second) is not supported: expected ticks per beat",
      {
        field: "body",
      },
    );
  }
  const notes: number[][] = [];
  for (const track of midi.tracks) {
    let now = 0;
    const open = new Map<number, number[][]>(); // channel * 128 + pitch -> notes started
    for (const event of track) {
      now += event.deltaTime;
      if (event.type !== "noteOn" && event.type !== "noteOff") continue;
      if (event.channel === PERCUSSION) continue;
      const key = event.channel * 128 + event.noteNumber;
      if (event.type === "noteOn" && event.velocity > 0) {
        const note = [event.noteNumber, now, -1];
        notes.push(note);
        open.set(key, [...open.get(key) ?? [], note]);
      } else {
        const started = open.get(key)?.shift();
        if (started) started[2] = now;
      }
    }
    for (const list of open.values()) for (const note of list) note[2] = now;
  }
  return { notes: notes.filter((n) => n[2]! > n[1]!), ticksPerBeat };
}

/**
 * The skyline of `notes` (any order): at each onset the highest note starting there, unless a
 * higher one still sounds; a note ends where the next one starts.
 *
 * @example
 * ```ts
 * import { skyline } from "./notes_from_midi.ts";
 * const line = skyline([{ pitch: 48, start: 0, ticks: 96 }, { pitch: 64, start: 0, ticks: 48 }, { pitch: 62, start: 48, ticks: 48 }]);
 * console.assert(line.map((n) => n.pitch).join() === "64,62");
 * ```
 */
export function skyline(notes: readonly TimedNote[]): TimedNote[] {
  const sorted = [...notes].sort((a, b) => a.start - b.start || b.pitch - a.pitch);
  const out: TimedNote[] = [];
  let current: { pitch: number; start: number; end: number } | undefined;
  for (const n of sorted) {
    if (current && n.start === current.start) continue; // a lower note of the same onset
    if (current && current.end > n.start && current.pitch > n.pitch) continue;
    if (current) out.push(end(current, n.start));
    current = { pitch: n.pitch, start: n.start, end: n.start + n.ticks };
  }
  if (current) out.push(end(current, current.end));
  return out;
}

function end(note: { pitch: number; start: number; end: number }, at: number): TimedNote {
  return { pitch: note.pitch, start: note.start, ticks: Math.min(note.end, at) - note.start };
}

/**
 * The melody line of a MIDI file on the classifier's time line.
 *
 * @example
 * ```ts ignore
 * const notes = notesFromMidi(await Deno.readFile("tune.mid"));
 * ```
 * @throws {Problem} 422 when the bytes are not a Standard MIDI File with ticks per beat, or hold
 * no pitched notes.
 */
export function notesFromMidi(bytes: Uint8Array): TimedNote[] {
  if (bytes.byteLength === 0) throw unreadableNotes("the MIDI body is empty", { field: "body" });
  const { notes, ticksPerBeat } = soundingNotes(bytes);
  const scale = (t: number) => Math.round((t * TICKS_PER_QUARTER) / ticksPerBeat);
  const line = skyline(notes.map(([pitch, start, stop]) => {
    const at = scale(start!);
    return { pitch: pitch!, start: at, ticks: Math.max(1, scale(stop!) - at) };
  }));
  if (line.length === 0) {
    throw unreadableNotes("the MIDI file has no pitched notes", { field: "body" });
  }
  return line;
}
