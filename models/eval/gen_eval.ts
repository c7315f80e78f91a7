/**
 * @module CLI, first half of `deno task eval:gen`: measures the LSTM against the n-gram and RBM baselines (held-out next-token error,
 * classifier verdicts on generated pieces, distribution metrics and spectrogram statistics against
 * held-out real music) and the classifier's accuracy and confusion on held-out real pieces.
 *
 * Every generator samples through the service's grammar and sampler (`shared/generate`); the LSTM
 * and the classifier run from the committed ONNX files on onnxruntime-node.
 */
import { classifyNotes } from "../../shared/classify/mod.ts";
import { loadConfig } from "../../shared/config.ts";
import {
  generateMelody,
  MelodyGrammar,
  melodyModel,
  sampleToken,
} from "../../shared/generate/mod.ts";
import { createModelRegistry } from "../../shared/models/mod.ts";
import { EVAL_LIMITS, EVAL_LINE } from "./generation.ts";
import type { ModelRegistry } from "../../shared/models/model_registry.ts";
import { melodyToSemantic } from "../../shared/music/melody_tokens.ts";
import { renderMeiMidi } from "../../shared/music/render_midi.ts";
import { semanticToTimeline, type TimedNote } from "../../shared/music/timeline.ts";
import { tokensToMei } from "../../shared/music/tokens_to_mei.ts";
import { rngFor } from "../../shared/prng.ts";
import { type Histograms, histograms, kl, overlap } from "./metrics.ts";
import { NGram } from "./ngram.ts";
import { Rbm, type RbmWeights } from "./rbm.ts";
import { renderAudio, type SpectrumStats, spectrumStats } from "./spectrum.ts";

/** The name of the unguided LSTM's rows. */
const UNGUIDED = "lstm, no guidance";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

interface Record_ {
  genre: string;
  piece: string;
  tokens: string[];
  notes: Array<[number, number, number]>;
}

interface Options {
  perGenre: number;
  audioPerGenre: number;
  measures: number;
  temperature: number;
  topP: number;
  model: string;
  classifier: string;
  rbm: string;
  out: string;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    perGenre: 500,
    audioPerGenre: 10,
    ...EVAL_LINE,
    model: loadConfig().generate.model, // the generator the service serves
    classifier: "genre",
    rbm: `${ROOT}/.train/gen/rbm/rbm.json`,
    out: `${ROOT}/models/gen`,
  };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]!.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (!(key in o)) throw new TypeError(`Unknown option "${args[i]}"`);
    const v = args[i + 1] ?? "";
    (o as unknown as Record<string, unknown>)[key] = typeof o[key as keyof Options] === "number"
      ? Number(v)
      : v;
  }
  return o;
}

function readSplit(split: string): Record_[] {
  return Deno.readTextFileSync(`${ROOT}/data/gen/${split}.jsonl`).split("\n").filter((l) => l)
    .map((l) => JSON.parse(l) as Record_);
}

const toNotes = (r: Record_): TimedNote[] =>
  r.notes.map(([pitch, start, ticks]) => ({ pitch, start, ticks }));

/** A next-token model over token ids (after `<bos>`), for the baselines. */
type NextLogits = (genre: number, ids: readonly number[]) => Float32Array;

/** Samples one line with the service's grammar and sampler from any next-token model. */
function sampleLine(
  next: NextLogits,
  vocab: readonly string[],
  genre: number,
  seed: number,
  o: Options,
): string[] {
  const grammar = new MelodyGrammar(vocab, { measures: o.measures });
  const rng = rngFor(seed, genre, "baseline");
  const ids = [vocab.indexOf("<bos>")];
  while (!grammar.done && ids.length < 4096) {
    const id = sampleToken(next(genre, ids), grammar.mask(), {
      temperature: o.temperature,
      topP: o.topP,
    }, rng);
    grammar.accept(id);
    ids.push(id);
  }
  return ids.slice(1).map((id) => vocab[id]!);
}

/** Sums the cross-entropy and argmax misses of next-token predictions. */
class NextTokenTally {
  #loss = 0;
  #wrong = 0;
  #count = 0;

  add(logits: Float32Array, target: number): void {
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < logits.length; k++) if (logits[k]! > max) [max, arg] = [logits[k]!, k];
    let sum = 0;
    for (let k = 0; k < logits.length; k++) sum += Math.exp(logits[k]! - max);
    this.#loss += Math.log(sum) + max - logits[target]!;
    if (arg !== target) this.#wrong++;
    this.#count++;
  }

  result(): { loss: number; error: number; tokens: number } {
    return {
      loss: this.#loss / this.#count,
      error: this.#wrong / this.#count,
      tokens: this.#count,
    };
  }
}

/** Teacher-forced next-token cross-entropy and error over whole held-out lines. */
async function heldOut(
  lines: Record_[],
  vocab: readonly string[],
  genres: readonly string[],
  next: (genre: number, ids: readonly number[]) => Promise<Float32Array> | Float32Array,
): Promise<{ loss: number; error: number; tokens: number }> {
  const tally = new NextTokenTally();
  for (const r of lines) {
    const ids = [vocab.indexOf("<bos>"), ...r.tokens.map((t) => vocab.indexOf(t))];
    const g = genres.indexOf(r.genre);
    for (let i = 1; i < ids.length; i++) {
      const logits = await next(g, ids.slice(0, i));
      tally.add(logits, ids[i]!);
    }
  }
  return tally.result();
}

/** The genre `/v1/classify` answers for a piece. */
async function bestGenre(models: ModelRegistry, name: string, notes: TimedNote[]) {
  return (await classifyNotes(models, notes, { model: name, maxWindows: 4096 })).best;
}

if (import.meta.main) {
  const o = parseArgs(Deno.args);
  const t0 = performance.now();
  const config = loadConfig({ ...Deno.env.toObject(), STAVE_ONNX_BACKEND: "node" });
  const models = createModelRegistry(config);
  const entry = await models.model(o.model);
  const vocab = entry.vocabularies!.melody!;
  const genres = entry.labels!;
  const train = readSplit("train");
  const val = readSplit("val");
  const test = readSplit("test").filter((r) => r.notes.length >= 8);
  const log = (s: string) =>
    console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${s}`);

  // Baselines: a 5-gram with interpolated absolute discounting; the RBM from gen_rbm.py.
  const ngram = new NGram(5, vocab.length, genres.length);
  for (const r of train) {
    ngram.add(genres.indexOf(r.genre), [1, ...r.tokens.map((t) => vocab.indexOf(t))]);
  }
  const rbmWeights = JSON.parse(Deno.readTextFileSync(o.rbm)) as RbmWeights;
  const rbm = new Rbm(rbmWeights);
  const baselines: Record<string, NextLogits> = {
    ngram: (g, ids) => ngram.logits(g, ids),
    rbm: (g, ids) => rbm.logits(g, ids),
  };

  // 1. Held-out next-token error, teacher-forced on whole validation lines.
  const valSample = val.filter((_, i) => i % 2 === 0);
  const heldOutRows: Record<string, { loss: number; error: number; tokens: number }> = {};
  heldOutRows.lstm = await heldOutLstm(models, entry, valSample, vocab, genres);
  log(`lstm held-out ${JSON.stringify(heldOutRows.lstm)}`);
  for (const [name, next] of Object.entries(baselines)) {
    heldOutRows[name] = await heldOut(valSample, vocab, genres, next);
    log(`${name} held-out ${JSON.stringify(heldOutRows[name])}`);
  }

  // 2. Generation: perGenre lines per genre and generator, seeds 0..perGenre-1.
  // The LSTM as served (each genre's calibrated guidance) and, as its ablation, unguided. Where a
  // genre's weight is 0 the two are the same request, so its lines are generated once.
  const served = melodyModel(entry).guidance;
  const generated: Record<string, Record<string, string[][]>> = Object.fromEntries(
    ["lstm", UNGUIDED, "ngram", "rbm"].map((name) => [name, {}]),
  );
  const lstmLines = async (genre: string, guidance: number) => {
    const lines: string[][] = [];
    for (let seed = 0; seed < o.perGenre; seed++) {
      const line = await generateMelody(models, {
        genre,
        measures: o.measures,
        temperature: o.temperature,
        topP: o.topP,
        guidance,
        seed,
      }, { model: o.model, ...EVAL_LIMITS });
      lines.push(line.tokens);
    }
    return lines;
  };
  for (const [g, genre] of genres.entries()) {
    generated[UNGUIDED]![genre] = await lstmLines(genre, 0);
    generated.lstm![genre] = served[g] === 0
      ? generated[UNGUIDED]![genre]!
      : await lstmLines(genre, served[g]!);
    for (const [name, next] of Object.entries(baselines)) {
      generated[name]![genre] = Array.from(
        { length: o.perGenre },
        (_, seed) => sampleLine(next, vocab, g, seed, o),
      );
    }
    log(`generated ${genre}`);
  }

  // 3. The classifier: held-out real pieces, then every generated line.
  const confusion = genres.map(() => genres.map(() => 0));
  for (const r of test) {
    const best = await bestGenre(models, o.classifier, toNotes(r));
    confusion[genres.indexOf(r.genre)]![genres.indexOf(best)]!++;
  }
  const verdicts: Record<string, number[]> = {};
  for (const [name, byGenre] of Object.entries(generated)) {
    verdicts[name] = [];
    for (const genre of genres) {
      let right = 0;
      for (const line of byGenre[genre]!) {
        const notes = semanticToTimeline(melodyToSemantic(line));
        if (notes.length && await bestGenre(models, o.classifier, notes) === genre) right++;
      }
      verdicts[name]!.push(right / byGenre[genre]!.length);
    }
    log(`classified ${name}`);
  }

  // 4. Distribution metrics against held-out real music, per genre.
  const realHist: Record<string, Histograms> = {};
  for (const genre of genres) {
    realHist[genre] = histograms(test.filter((r) => r.genre === genre).map(toNotes));
  }
  const dist: Record<string, Record<string, Record<string, { overlap: number; kl: number }>>> = {};
  for (const [name, byGenre] of Object.entries(generated)) {
    dist[name] = {};
    for (const genre of genres) {
      const h = histograms(byGenre[genre]!.map((l) => semanticToTimeline(melodyToSemantic(l))));
      const real = realHist[genre]!;
      dist[name]![genre] = Object.fromEntries(
        (["pitchClass", "interval", "length"] as const).map((k) => [k, {
          overlap: overlap(real[k], h[k]),
          kl: kl(real[k], h[k]),
        }]),
      );
    }
  }

  // 5. Spectrograms: audioPerGenre renderings per genre and source (FluidSynth, GM piano).
  const tmp = await Deno.makeTempDir({ prefix: "stave-eval-gen-" });
  const spectra: Record<string, Record<string, SpectrumStats[]>> = {};
  const sources: Record<string, Record<string, string[][]>> = {
    real: Object.fromEntries(genres.map((genre) => {
      const lines = test.filter((r) => r.genre === genre);
      const step = Math.max(1, Math.floor(lines.length / o.audioPerGenre));
      return [
        genre,
        lines.filter((_, i) => i % step === 0).slice(0, o.audioPerGenre).map((r) => r.tokens),
      ];
    })),
    ...Object.fromEntries(
      Object.entries(generated).map(([name, byGenre]) => [
        name,
        Object.fromEntries(
          genres.map((genre) => [genre, byGenre[genre]!.slice(0, o.audioPerGenre)]),
        ),
      ]),
    ),
  };
  for (const [name, byGenre] of Object.entries(sources)) {
    spectra[name] = {};
    for (const genre of genres) {
      spectra[name]![genre] = [];
      for (const line of byGenre[genre]!) {
        const midi = await renderMeiMidi(tokensToMei(melodyToSemantic(line)));
        spectra[name]![genre]!.push(spectrumStats(await renderAudio(midi, tmp)));
      }
    }
    log(`rendered ${name}`);
  }
  await Deno.remove(tmp, { recursive: true });
  const meanBands = (xs: SpectrumStats[]) =>
    xs[0]!.bands.map((_, b) => xs.reduce((s, x) => s + x.bands[b]!, 0) / xs.length);
  const meanCentroid = (xs: SpectrumStats[]) => xs.reduce((s, x) => s + x.centroid, 0) / xs.length;

  const meanOf = (xs: SpectrumStats[]) => ({
    bands: meanBands(xs),
    centroid: meanCentroid(xs),
    pieces: xs.length,
  });
  const result = {
    date: new Date().toISOString().slice(0, 10),
    guidance: Object.fromEntries(genres.map((g, i) => [g, served[i]])),
    minutes: Math.round((performance.now() - t0) / 6000) / 10,
    options: o,
    model: { name: entry.name, sha256: entry.sha256 },
    genres,
    testExcerpts: test.length,
    validationLines: valSample.length,
    heldOut: heldOutRows,
    confusion,
    verdicts,
    distributions: dist,
    spectra: Object.fromEntries(
      Object.entries(spectra).map(([name, byGenre]) => [
        name,
        Object.fromEntries(genres.map((g) => [g, meanOf(byGenre[g]!)])),
      ]),
    ),
    rbm: { window: rbmWeights.window, hidden: rbmWeights.hidden },
  };
  Deno.writeTextFileSync(`${o.out}/eval.json`, JSON.stringify(result, null, 1) + "\n");
  await models.close();
  log(`wrote ${o.out}/eval.json`);
}

/** Held-out loss of the LSTM, stepping each line once (not once per prefix). */
async function heldOutLstm(
  models: ModelRegistry,
  entry: Awaited<ReturnType<ModelRegistry["model"]>>,
  lines: Record_[],
  vocab: readonly string[],
  genres: readonly string[],
) {
  const { melodyModel, melodyStep, zeroState } = await import("../../shared/generate/mod.ts");
  const m = melodyModel(entry);
  const tally = new NextTokenTally();
  for (const r of lines) {
    const ids = [m.bos, ...r.tokens.map((t) => vocab.indexOf(t))];
    const g = genres.indexOf(r.genre);
    let state = zeroState(m);
    for (let i = 0; i + 1 < ids.length; i++) {
      let logits: Float32Array;
      ({ logits, state } = await melodyStep(models, m, [ids[i]!], [g], state));
      tally.add(logits, ids[i + 1]!);
    }
  }
  return tally.result();
}
