/// <reference lib="dom" />
/**
 * Plays recognized semantic tokens in the browser: the tokens become timed notes (read with the
 * shared token parser) and a small Web Audio synth sounds them. Needs no samples or soundfonts.
 *
 * @module
 */
import { DURATIONS, parseToken, semitone } from "../shared/music/semantic_tokens.ts";

/** One note to sound, in seconds from the start. */
export interface SynthNote {
  /** MIDI note number (C4 = 60). */
  readonly midi: number;
  /** Onset in seconds. */
  readonly start: number;
  /** Length in seconds. */
  readonly duration: number;
}

/** Quarter notes per duration name, in the order of `DURATIONS` (quadruple whole = 16). */
const QUARTERS = Object.fromEntries(DURATIONS.map((d, i) => [d, 16 / 2 ** i]));
/** How long a grace note sounds, in quarters; it takes its time from what follows. */
const GRACE_QUARTERS = 0.125;

function dotted(quarters: number, dots: number): number {
  return quarters * (2 - 1 / 2 ** dots);
}

/** Quarters in one bar of `meter` (`3/4`, `6/8`, `C`, `C/`). */
function barQuarters(meter: string): number {
  if (meter === "C" || meter === "C/") return 4; // common time and cut time alike
  const [beats, unit] = meter.split("/").map(Number) as [number, number];
  return beats * 4 / unit;
}

/**
 * The notes `tokens` sound at `bpm` quarters a minute. Tied notes of one pitch sound once;
 * a multi-measure rest lasts one bar (a preview need not wait out 20 silent bars); tokens that
 * do not parse are skipped, since a recognition may hold a few.
 *
 * @example
 * ```ts
 * import { notesOf } from "./synth.ts";
 * const notes = notesOf(["clef-G2", "note-A4_quarter", "rest-quarter", "note-C5_half"], 120);
 * console.assert(notes.length === 2 && notes[1]!.start === 1 && notes[1]!.midi === 72);
 * ```
 */
export function notesOf(tokens: readonly string[], bpm = 100): SynthNote[] {
  const second = 60 / bpm;
  const notes: SynthNote[] = [];
  let quarters = 0;
  let bar = 4;
  let tied = false;
  for (const text of tokens) {
    let token;
    try {
      token = parseToken(text);
    } catch {
      continue; // an unparseable token sounds as nothing
    }
    if (token.kind === "timeSignature") bar = barQuarters(token.meter);
    if (token.kind === "multirest") quarters += bar;
    if (token.kind === "rest") quarters += dotted(QUARTERS[token.duration]!, token.dots);
    if (token.kind === "tie") tied = true;
    if (token.kind !== "note") continue;
    const length = token.grace ? GRACE_QUARTERS : dotted(QUARTERS[token.duration]!, token.dots);
    const midi = semitone(token.pitch);
    const last = notes.at(-1);
    if (tied && last !== undefined && last.midi === midi) {
      notes[notes.length - 1] = { ...last, duration: last.duration + length * second };
    } else {
      notes.push({ midi, start: quarters * second, duration: length * second });
    }
    tied = false;
    quarters += length;
  }
  return notes;
}

/**
 * Sounds `notes` on `context` with a soft triangle voice; stopping early silences them.
 * Returns a function that stops playback and a promise that settles when it ends.
 */
export function play(
  context: AudioContext,
  notes: readonly SynthNote[],
): { stop(): void; ended: Promise<void> } {
  const master = context.createGain();
  master.gain.value = 0.2;
  master.connect(context.destination);
  const t0 = context.currentTime + 0.05;
  const oscillators = notes.map((note) => {
    const start = t0 + note.start;
    const end = start + Math.max(note.duration * 0.95, 0.05);
    const voice = context.createGain();
    voice.gain.setValueAtTime(0, start);
    voice.gain.linearRampToValueAtTime(1, start + 0.01);
    voice.gain.exponentialRampToValueAtTime(0.5, start + 0.15);
    voice.gain.setValueAtTime(0.5, end - 0.03);
    voice.gain.linearRampToValueAtTime(0, end);
    voice.connect(master);
    const oscillator = context.createOscillator();
    oscillator.type = "triangle";
    oscillator.frequency.value = 440 * 2 ** ((note.midi - 69) / 12);
    oscillator.connect(voice);
    oscillator.start(start);
    oscillator.stop(end);
    return oscillator;
  });
  const ended = new Promise<void>((resolve) => {
    const last = oscillators.at(-1);
    if (last === undefined) resolve();
    else last.onended = () => resolve();
  });
  return {
    stop() {
      master.disconnect();
      for (const oscillator of oscillators) oscillator.stop();
    },
    ended,
  };
}
