/**
 * The search model's data: staves of the OMR data set (`deno task data:omr`) as three modalities
 * of one excerpt, each drawn as a pitch-by-time roll (shared/search/roll.ts):
 *
 * - notes: the staff's semantic tokens on a time line;
 * - audio: the notes played by FluidSynth (General MIDI soundfont) with a seeded instrument,
 *   tempo, loudness, reverb room and background noise, read back as a spectrogram;
 * - sheet: the staff image read by the service's recognizer (decode, framing, ONNX, CTC), its
 *   tokens on a time line: exactly what a sheet query goes through.
 *
 * `deno task data:search [--source data/omr50k] [--out data/search] [--train 8000] [--val 1000]
 * [--test 2000] [--modalities notes,audio,sheet] [--seed 1]` writes, per split,
 * `<split>.jsonl` (one excerpt a line: id, piece, style, key) and `<split>.<modality>.f32`
 * (float32 rows, one an excerpt), plus `meta.json` (the roll spec and how it was made). A
 * modality file already there is kept, so an interrupted run resumes by modality.
 *
 * @module
 */
import { type MidiEvent, writeMidi } from "midi-file";
import { loadConfig } from "../../shared/config.ts";
import { createModelRegistry, type ModelRegistry } from "../../shared/models/mod.ts";
import { parseLabelFile } from "../../shared/music/mod.ts";
import type { TimedNote } from "../../shared/music/timeline.ts";
import { TICKS_PER_QUARTER } from "../../shared/music/melody_tokens.ts";
import { Problem } from "../../shared/problem.ts";
import { Rng } from "../../shared/prng.ts";
import { queryRoll } from "../../shared/search/query_roll.ts";
import { audioRoll, notesRoll, type RollSpec } from "../../shared/search/roll.ts";
import { tolerantNotes } from "../../shared/search/tolerant_notes.ts";
import { renderAudio } from "../eval/spectrum.ts";

/** The roll every modality is drawn on: E1-E7 like the generator, 32 frames an excerpt. */
export const ROLL: RollSpec = { lowPitch: 28, pitches: 73, frames: 32 };
/** Audio is rendered and read at this rate. */
const RATE = 16000;
/** General MIDI programs a melody is played on: keyboards, plucked, bowed, wind, voice. */
export const PROGRAMS = [0, 4, 6, 11, 19, 24, 40, 41, 42, 52, 56, 65, 68, 71, 73, 74] as const;
/** Excerpts rendered in one FluidSynth run (its soundfont loads once per run). */
const BATCH = 64;
/** Silence between excerpts of one run, in seconds: longer than any release or reverb tail. */
const GAP = 2.5;
/** Where the modalities come from in the OMR data set, per split of ours. */
const SOURCES = { train: "train", val: "val", test: "test", test_camera: "test_camera" } as const;
type Split = keyof typeof SOURCES;
export type Modality = "notes" | "audio" | "sheet";

/** One excerpt of the data. */
interface Excerpt {
  id: string;
  piece: string;
  style: string;
  /** Source, voice, measures and transposition: staves with one key are the same music. */
  key: string;
  notes: TimedNote[];
}

function arg(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1]! : fallback;
}

/** Reads `count` staves of `split`, seeded, one per distinct excerpt key. */
async function readExcerpts(source: string, split: Split, count: number, seed: number) {
  const dir = `${source}/${SOURCES[split]}`;
  const ids = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".png"))
    .map((n) => n.slice(0, -4)).sort();
  const rng = new Rng(`stave-search/${seed}/${split}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const seen = new Set<string>();
  const out: Excerpt[] = [];
  for (const id of ids) {
    if (out.length >= count) break;
    const mei = await Deno.readTextFile(`${dir}/${id}.mei`);
    const m =
      /source="([^"]*)" style="([^"]*)" file="[^"]*" voice="([^"]*)" measures="([^"]*)" transpose="([^"]*)"/
        .exec(mei);
    if (!m) throw new SyntaxError(`${dir}/${id}.mei has no stave-omr source comment`);
    const key = `${m[1]}|${m[3]}|${m[4]}|${m[5]}`;
    if (seen.has(key)) continue;
    const notes = tolerantNotes(parseLabelFile(await Deno.readTextFile(`${dir}/${id}.semantic`)));
    if (notes.length === 0) continue;
    seen.add(key);
    out.push({ id, piece: m[1]!, style: m[2]!, key, notes });
  }
  return out;
}

/** One excerpt's performance: instrument, tempo, loudness. */
interface Performance {
  program: number;
  quarterSeconds: number;
  velocity: number;
  noiseDb: number;
}

function performance(seed: number, excerpt: Excerpt): Performance {
  const rng = new Rng(`stave-search/${seed}/audio/${excerpt.id}`);
  return {
    program: rng.pick(PROGRAMS),
    quarterSeconds: 60 / rng.range(60, 160),
    velocity: rng.int(60, 115),
    noiseDb: rng.range(20, 45),
  };
}

/** A MIDI file playing the excerpts one after another on channel 0; their start times. */
function batchMidi(excerpts: readonly Excerpt[], plays: readonly Performance[]) {
  const ticksPerSecond = 960;
  type Event = { at: number; order: number; event: MidiEvent };
  const events: Event[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let cursor = 0.5;
  excerpts.forEach((excerpt, i) => {
    const play = plays[i]!;
    const begin = Math.min(...excerpt.notes.map((n) => n.start));
    const seconds = (ticks: number) => ((ticks - begin) / TICKS_PER_QUARTER) * play.quarterSeconds;
    const at = (s: number) => Math.round((cursor + s) * ticksPerSecond);
    events.push({
      at: at(0) - 1,
      order: 0,
      event: { deltaTime: 0, type: "programChange", channel: 0, programNumber: play.program },
    });
    let end = 0;
    for (const n of excerpt.notes) {
      const on = seconds(n.start);
      const off = seconds(n.start + n.ticks);
      end = Math.max(end, off);
      events.push({
        at: at(on),
        order: 2,
        event: {
          deltaTime: 0,
          type: "noteOn",
          channel: 0,
          noteNumber: n.pitch,
          velocity: play.velocity,
        },
      });
      events.push({
        at: at(off) - 1,
        order: 1,
        event: { deltaTime: 0, type: "noteOff", channel: 0, noteNumber: n.pitch, velocity: 0 },
      });
    }
    starts.push(cursor);
    ends.push(cursor + end);
    cursor += end + GAP;
  });
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  let now = 0;
  const track: MidiEvent[] = events.map(({ at, event }) => {
    const deltaTime = Math.max(0, at - now);
    now = Math.max(now, at);
    return { ...event, deltaTime };
  });
  track.unshift({ deltaTime: 0, type: "setTempo", meta: true, microsecondsPerBeat: 1_000_000 });
  track.push({ deltaTime: 0, type: "endOfTrack", meta: true });
  const bytes = Uint8Array.from(
    writeMidi({
      header: { format: 0, numTracks: 1, ticksPerBeat: ticksPerSecond },
      tracks: [track],
    }),
  );
  return { bytes, starts, ends };
}

async function audioRolls(excerpts: readonly Excerpt[], seed: number, tmp: string) {
  const rows: Float32Array[] = [];
  for (let b = 0; b < excerpts.length; b += BATCH) {
    const batch = excerpts.slice(b, b + BATCH);
    const plays = batch.map((e) => performance(seed, e));
    const { bytes, starts, ends } = batchMidi(batch, plays);
    const room = new Rng(`stave-search/${seed}/room/${batch[0]!.id}`).range(0.1, 0.7);
    const samples = await renderAudio(bytes, tmp, {
      rate: RATE,
      gain: 0.5,
      settings: ["synth.reverb.active=1", `synth.reverb.room-size=${room.toFixed(2)}`],
    });
    batch.forEach((excerpt, i) => {
      const from = Math.floor(starts[i]! * RATE);
      const to = Math.min(samples.length, Math.ceil((ends[i]! + 1) * RATE));
      const clip = samples.slice(from, to);
      const rms = Math.sqrt(clip.reduce((a, v) => a + v * v, 0) / Math.max(1, clip.length));
      const noise = rms * 10 ** (-plays[i]!.noiseDb / 20);
      const rng = new Rng(`stave-search/${seed}/noise/${excerpt.id}`);
      for (let s = 0; s < clip.length; s++) clip[s]! += noise * rng.normal();
      rows.push(audioRoll({ rate: RATE, samples: clip }, ROLL));
    });
  }
  return rows;
}

async function sheetRolls(excerpts: readonly Excerpt[], dir: string, models: ModelRegistry) {
  const { recognize } = loadConfig();
  let unread = 0;
  const rows: Float32Array[] = [];
  for (const excerpt of excerpts) {
    const image = await Deno.readFile(`${dir}/${excerpt.id}.png`);
    try {
      rows.push(
        await queryRoll(models, { modality: "sheet", input: "png", image }, ROLL, { recognize }),
      );
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      // A sheet the recognizer reads no notes from stays an empty roll: queries meet such sheets too.
      unread++;
      rows.push(new Float32Array(ROLL.frames * ROLL.pitches));
    }
  }
  return { rows, unread };
}

async function writeRows(path: string, rows: readonly Float32Array[]) {
  const width = ROLL.frames * ROLL.pitches;
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  await Deno.writeFile(`${path}.part`, new Uint8Array(out.buffer));
  await Deno.rename(`${path}.part`, path);
}

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

if (import.meta.main) {
  const source = arg("source", "data/omr50k");
  const out = arg("out", "data/search");
  const seed = Number(arg("seed", "1"));
  const modalities = arg("modalities", "notes,audio,sheet").split(",") as Modality[];
  const only = arg("splits", Object.keys(SOURCES).join(",")).split(",");
  const counts: Record<Split, number> = {
    train: Number(arg("train", "8000")),
    val: Number(arg("val", "1000")),
    test: Number(arg("test", "2000")),
    test_camera: Number(arg("test", "2000")),
  };
  await Deno.mkdir(out, { recursive: true });
  const tmp = await Deno.makeTempDir({ prefix: "stave-search-" });
  const config = loadConfig();
  const models = createModelRegistry(config);
  const meta: Record<string, unknown> = {
    roll: ROLL,
    source,
    seed,
    rate: RATE,
    programs: PROGRAMS,
    sheetModel: config.recognize.model,
    splits: {} as Record<string, unknown>,
  };
  try {
    for (const split of (Object.keys(counts) as Split[]).filter((s) => only.includes(s))) {
      const t0 = Date.now();
      const excerpts = await readExcerpts(source, split, counts[split], seed);
      await Deno.writeTextFile(
        `${out}/${split}.jsonl`,
        excerpts.map(({ id, piece, style, key }) => JSON.stringify({ id, piece, style, key }))
          .join("\n") + "\n",
      );
      const info: Record<string, unknown> = { excerpts: excerpts.length };
      for (const modality of modalities) {
        const path = `${out}/${split}.${modality}.f32`;
        if (exists(path)) continue;
        const t1 = Date.now();
        if (modality === "notes") {
          await writeRows(
            path,
            excerpts.map((e) => notesRoll(e.notes, ROLL)),
          );
        }
        if (modality === "audio") await writeRows(path, await audioRolls(excerpts, seed, tmp));
        if (modality === "sheet") {
          const { rows, unread } = await sheetRolls(
            excerpts,
            `${source}/${SOURCES[split]}`,
            models,
          );
          await writeRows(path, rows);
          info.sheetUnread = unread;
        }
        console.log(
          `${split} ${modality}: ${excerpts.length} in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
        );
      }
      (meta.splits as Record<string, unknown>)[split] = info;
      console.log(
        `${split}: ${excerpts.length} excerpts, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    if (modalities.includes("sheet")) {
      const entry = await models.model(config.recognize.model);
      meta.sheetModel = { name: entry.name, version: entry.version, sha256: entry.sha256 };
    }
    const previous = exists(`${out}/meta.json`)
      ? JSON.parse(await Deno.readTextFile(`${out}/meta.json`))
      : {};
    await Deno.writeTextFile(
      `${out}/meta.json`,
      JSON.stringify(
        { ...previous, ...meta, splits: { ...previous.splits, ...meta.splits as object } },
        null,
        1,
      ) + "\n",
    );
  } finally {
    await models.close();
    await Deno.remove(tmp, { recursive: true });
  }
}
