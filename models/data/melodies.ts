/**
 * @module CLI: `deno task data:gen` turns the five style folders of the melody corpus into melody
 * token excerpts (generator) and timed notes (classifier), split by piece, under `data/gen/`.
 */
import type { MeiVoice } from "../../shared/music/mei_reader.ts";
import {
  durationTicks,
  MELODY_DURATIONS,
  melodyToSemantic,
  meterTicks,
  parseMelodyToken,
  restsFor,
} from "../../shared/music/melody_tokens.ts";
import { durationOf } from "../../shared/music/mei_to_semantic.ts";
import { type Duration, formatPitch, semitone } from "../../shared/music/semantic_tokens.ts";
import { semanticToTimeline } from "../../shared/music/timeline.ts";
import { Verovio } from "../../shared/music/verovio.ts";
import { listSourceFiles, loadSourceFile } from "./sources.ts";
import { pieceSplit } from "./split.ts";

/** The five genres: style folders of the corpus, with what a musician would call them. */
export const GENRES = [
  { id: "irish-folk", description: "Irish traditional dance tunes and airs (O'Neill's, 1850)" },
  { id: "bach-chorale", description: "J.S. Bach four-part chorales, soprano line" },
  { id: "renaissance", description: "Palestrina mass movements, every voice" },
  { id: "classical", description: "Haydn, Mozart and Beethoven string quartets, first violin" },
  { id: "medieval", description: "Italian Trecento polyphony, every voice" },
] as const;

/** Measures per training excerpt, and measures between excerpt starts. */
export const EXCERPT = { measures: 16, hop: 8, minMeasures: 4 } as const;

/** Pitches a line may use (MIDI): lines reaching outside are cut there. */
const PITCH_RANGE = { low: 28, high: 100 };

/** One run of measures with a fixed key and meter, as melody tokens after its header. */
export interface Segment {
  fifths: number;
  meter: string;
  /** Body tokens of each measure, each ending with `bar`. */
  measures: string[][];
}

/** Which voices of a piece are melodies: the top staff, or every voice of the polyphonic styles. */
function melodyVoices(style: string, voices: MeiVoice[]): MeiVoice[] {
  if (style === "renaissance" || style === "medieval") return voices;
  return voices.filter((v) => v.staff === voices[0]?.staff && v.layer === voices[0]?.layer);
}

/**
 * Encodes one voice as segments of whole measures. A segment ends at a key or meter change, at a
 * measure whose length disagrees with the meter (a pickup may open a segment and a short measure may
 * close the piece), and at anything the encoding lacks: tuplets, multi-measure rests, very short
 * notes and pitches out of range.
 */
export function voiceSegments(voice: MeiVoice): Segment[] {
  const out: Segment[] = [];
  let fifths = 0;
  let meter: string | undefined;
  let current: Segment | undefined;
  const close = () => {
    if (current && current.measures.length > 0) {
      const last = current.measures[current.measures.length - 1]!;
      if (last[last.length - 2] === "tie") last.splice(last.length - 2, 1);
      out.push(current);
    }
    current = undefined;
  };
  const total = voice.measures.length;
  for (const [mi, m] of voice.measures.entries()) {
    const body: string[] = [];
    let ticks = 0;
    let bad = false;
    const push = (head: string, duration: Duration, dots: number) => {
      const t = durationTicks(duration, dots);
      if (t === undefined || !MELODY_DURATIONS.includes(duration)) bad = true;
      else {
        body.push(head, `d:${duration}${".".repeat(dots)}`);
        ticks += t;
      }
    };
    const fill = (len: number) => {
      const rests = restsFor(len);
      if (!rests) bad = true;
      else for (const r of rests) push("rest", r.duration, r.dots);
    };
    for (const e of m.events) {
      if (e.kind === "key" && e.fifths !== fifths) {
        close();
        fifths = e.fifths;
      } else if (e.kind === "meter" && e.meter !== meter) {
        close();
        meter = e.meter;
      } else if (e.kind === "note") {
        if (e.grace) continue;
        const midi = semitone(e.pitch);
        if (e.tuplet || midi < PITCH_RANGE.low || midi > PITCH_RANGE.high) bad = true;
        else {
          try {
            push(`n:${formatPitch(e.pitch)}`, durationOf(e.dur), e.dots);
          } catch {
            bad = true;
          }
          if (e.tieStart) body.push("tie");
        }
      } else if (e.kind === "rest" || e.kind === "space") {
        if (e.kind === "rest" && e.tuplet) bad = true;
        else {
          try {
            push("rest", durationOf(e.dur), e.dots);
          } catch {
            bad = true;
          }
        }
      } else if (e.kind === "mrest") {
        if (meter) fill(meterTicks(meter) ?? 0);
      } else if (e.kind === "multirest") bad = true;
    }
    const full = meter === undefined ? undefined : meterTicks(meter);
    if (!m.present && full) fill(full);
    const fits = full !== undefined && !bad && body.length > 0 && (
      ticks === full ||
      (ticks < full && (!current || current.measures.length === 0 || mi === total - 1))
    );
    if (!fits || meter === undefined) {
      close();
      continue;
    }
    current ??= { fifths, meter, measures: [] };
    current.measures.push([...body, "bar"]);
    // A short measure inside a piece ends the segment after it (a pickup only opens one).
    if (ticks < full! && current.measures.length > 1) close();
  }
  close();
  return out;
}

/** Cuts a segment into excerpts of {@linkcode EXCERPT} measures (the whole of a shorter one). */
export function excerpts(seg: Segment): string[][] {
  const head = [`key:${seg.fifths}`, `meter:${seg.meter}`];
  const n = seg.measures.length;
  if (n < EXCERPT.minMeasures) return [];
  const starts: number[] = [];
  for (let s = 0; s === 0 || s + EXCERPT.measures <= n; s += EXCERPT.hop) starts.push(s);
  return starts.map((s) => [...head, ...seg.measures.slice(s, s + EXCERPT.measures).flat()]);
}

/** One excerpt as written to `data/gen/<split>.jsonl`. */
export interface ExcerptRecord {
  genre: string;
  piece: string;
  /** Melody tokens after `<bos>`. */
  tokens: string[];
  /** Timed notes `[pitch, start, ticks]` for piano rolls. */
  notes: Array<[number, number, number]>;
}

/** Runs the pipeline: writes the three splits, `vocab.json` and `stats.json` under `out`. */
export async function runMelodies(o: { sources: string; cache: string; out: string }) {
  const files = listSourceFiles(o.sources).filter((f) => GENRES.some((g) => g.id === f.style));
  const vrv = await Verovio.create();
  const splits: Record<string, ExcerptRecord[]> = { train: [], val: [], test: [] };
  const tokens = new Set<string>();
  const counts: Record<string, Record<string, { pieces: Set<string>; excerpts: number }>> = {};
  for (const file of files) {
    for (const piece of await loadSourceFile(vrv, o.sources, o.cache, file)) {
      if (piece.error) continue;
      const split = pieceSplit(piece.key);
      for (const voice of melodyVoices(file.style, piece.voices)) {
        for (const seg of voiceSegments(voice)) {
          for (const ex of excerpts(seg)) {
            const notes = semanticToTimeline(melodyToSemantic(ex)).map((
              n,
            ) => [n.pitch, n.start, n.ticks] as [number, number, number]);
            splits[split]!.push({ genre: file.style, piece: piece.key, tokens: ex, notes });
            for (const t of ex) tokens.add(t);
            const c = ((counts[file.style] ??= {})[split] ??= { pieces: new Set(), excerpts: 0 });
            c.pieces.add(piece.key);
            c.excerpts++;
          }
        }
      }
    }
  }
  Deno.mkdirSync(o.out, { recursive: true });
  for (const [split, records] of Object.entries(splits)) {
    Deno.writeTextFileSync(
      `${o.out}/${split}.jsonl`,
      records.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
  }
  const vocab = ["<pad>", "<bos>", ...[...tokens].sort(tokenOrder)];
  for (const t of vocab) parseMelodyToken(t);
  Deno.writeTextFileSync(
    `${o.out}/vocab.json`,
    JSON.stringify(
      { tokens: vocab, genres: GENRES, ticksPerQuarter: 48, excerpt: EXCERPT },
      null,
      1,
    ),
  );
  const stats = Object.fromEntries(
    Object.entries(counts).map((
      [g, s],
    ) => [
      g,
      Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, { pieces: v.pieces.size, excerpts: v.excerpts }]),
      ),
    ]),
  );
  Deno.writeTextFileSync(`${o.out}/stats.json`, JSON.stringify(stats, null, 1));
  return { vocab: vocab.length, stats };
}

/** Vocabulary order: kind, then pitch by height and duration by length, so it reads naturally. */
function tokenOrder(a: string, b: string): number {
  const rank = (t: string): [number, number, string] => {
    const p = parseMelodyToken(t);
    const kinds = ["key", "meter", "bar", "tie", "rest", "note", "duration"];
    const k = kinds.indexOf(p.kind);
    if (p.kind === "key") return [k, p.fifths, t];
    if (p.kind === "duration") return [k, -p.ticks, t];
    if (p.kind === "note") {
      return [k, semitone(p.pitch), t];
    }
    return [k, 0, t];
  };
  const ra = rank(a);
  const rb = rank(b);
  return ra[0] - rb[0] || ra[1] - rb[1] || (ra[2] < rb[2] ? -1 : ra[2] > rb[2] ? 1 : 0);
}

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

if (import.meta.main) {
  const out = Deno.args[0] ?? `${ROOT}/data/gen`;
  const result = await runMelodies({
    sources: `${ROOT}/../shared/data/melodies`,
    cache: `${ROOT}/data/.cache/omr-sources`,
    out,
  });
  console.log(JSON.stringify(result, null, 1));
}
