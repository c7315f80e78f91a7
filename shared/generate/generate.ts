/**
 * @module Generates one melody: the model steps token by token from `<bos>` and the primer, the
 * grammar masks each step's logits and the seeded sampler picks the next token, until the line
 * has its measures (or reaches the token or time bound, where it ends at its last bar). With
 * genre guidance the line is stepped once per genre in one batch, and the genre asked is
 * contrasted with them all ({@linkcode guideLogits}).
 */
import type { ModelRegistry } from "../models/mod.ts";
import { melodyToSemantic } from "../music/melody_tokens.ts";
import { formatToken } from "../music/semantic_tokens.ts";
import { Problem } from "../problem.ts";
import { rngFor } from "../prng.ts";
import { MelodyGrammar } from "./grammar.ts";
import { guideLogits } from "./guidance.ts";
import { melodyModel, melodyStep, zeroState } from "./melody_model.ts";
import {
  checkGenerateRequest,
  type GenerateLimits,
  type GenerateRequest,
  randomSeed,
} from "./request.ts";
import { sampleToken } from "./sampler.ts";

/** Options of {@linkcode generateMelody}. */
export interface GenerateOptions extends GenerateLimits {
  /** Manifest name of the generator. */
  readonly model: string;
  /** Time the whole generation may take, in milliseconds. */
  readonly timeoutMs: number;
  /** Cancels generation (e.g. the client went away); the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

/** Why a line ended: it has its measures, or it reached the token or time bound. */
export type Finish = "measures" | "length" | "time";

/** One generated melody. */
export interface Generation {
  /** Melody tokens after `<bos>`, primer included. */
  readonly tokens: string[];
  /** The same line as PrIMuS semantic tokens (clef, key, meter, notes, barlines). */
  readonly semantic: string[];
  /** The genre id. */
  readonly genre: string;
  /** The seed that reproduces the line. */
  readonly seed: number;
  /** Fifths of the line's key. */
  readonly key: number;
  /** The line's meter. */
  readonly meter: string;
  /** Measures in the line. */
  readonly measures: number;
  /** Why it ended; anything but `measures` means it holds fewer measures than asked. */
  readonly finish: Finish;
  /** The model that wrote it. */
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  /** The guidance weight it was sampled with. */
  readonly guidance: number;
  /** Milliseconds loading the session (0 when cached) and generating; model steps per second. */
  readonly timing: {
    readonly loadMs: number;
    readonly generateMs: number;
    readonly steps: number;
    readonly tokensPerSecond: number;
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

function unsupported(field: string, detail: string, extensions: Record<string, unknown> = {}) {
  return new Problem(422, detail, {
    slug: field === "primer" ? "invalid-primer" : "unsupported-value",
    extensions: { field, ...extensions },
  });
}

/** Ids of the primer, each checked by the grammar; a 422 names the first bad one. */
function primerIds(
  primer: readonly string[],
  vocabulary: readonly string[],
  grammar: MelodyGrammar,
) {
  const start = primer[0] === "<bos>" ? 1 : 0;
  return primer.slice(start).map((token, i) => {
    const index = i + start;
    const id = vocabulary.indexOf(token);
    try {
      if (id < 0) throw new SyntaxError(`Token "${token}" is not in the model's vocabulary`);
      grammar.accept(id);
    } catch (error) {
      const why = (error as Error).message;
      throw unsupported("primer", `Invalid primer: token ${index}: ${why}`, { index, token });
    }
    return id;
  });
}

/** The line cut after its last bar, without a tie into the measure cut off. */
function wholeMeasures(tokens: string[]): string[] {
  const cut = tokens.slice(0, tokens.lastIndexOf("bar") + 1);
  if (cut.at(-2) === "tie") cut.splice(cut.length - 2, 1);
  return cut;
}

/**
 * Generates a melody in `request.genre` with the registry's generator.
 *
 * @example
 * ```ts ignore
 * const line = await generateMelody(models, { genre: "irish-folk", measures: 8, temperature: 1, topP: 0.95, guidance: 6, seed: 7 }, {
 *   model: "melody-int8", maxMeasures: 64, maxTemperature: 2, maxTokens: 8192, timeoutMs: 20000,
 * });
 * ```
 * @throws {Problem} 400 for values out of range, 422 for a genre, key or meter the model does not
 * know or a primer the grammar refuses (naming the token's index), 503 when the time bound passes
 * before the first measure is complete.
 */
export async function generateMelody(
  models: ModelRegistry,
  request: GenerateRequest,
  options: GenerateOptions,
): Promise<Generation> {
  checkGenerateRequest(request, options);
  const model = melodyModel(await models.model(options.model));
  const { vocabulary, genres } = model;
  const genre = genres.indexOf(request.genre);
  if (genre < 0) {
    throw unsupported("genre", `Unknown genre "${request.genre}": expected ${genres.join(", ")}`, {
      known: genres,
    });
  }
  for (
    const [field, token] of [["key", `key:${request.key}`], ["meter", `meter:${request.meter}`]]
  ) {
    if (request[field as "key" | "meter"] !== undefined && !vocabulary.includes(token!)) {
      const known = vocabulary.filter((t) => t.startsWith(`${field}:`));
      throw unsupported(
        field!,
        `Unsupported ${field} "${token}": the model knows ${known.join(", ")}`,
        {
          known,
        },
      );
    }
  }
  const grammar = new MelodyGrammar(vocabulary, request);
  const ids = primerIds(request.primer ?? [], vocabulary, grammar);
  const seed = request.seed ?? randomSeed();
  const guidance = request.guidance ?? model.guidance[genre]!;
  const rng = rngFor(seed, 0, "generate");
  // Unguided, the genre asked is the one stream; guided, every genre is a stream of the batch.
  const streams = guidance > 0 ? genres.map((_, g) => g) : [genre];
  const row = streams.indexOf(genre);
  const t0 = performance.now();
  await models.session(model.entry.name);
  const t1 = performance.now();
  const deadline = t1 + options.timeoutMs;
  let steps = 0;
  let finish: Finish = "measures";
  let state = zeroState(model, streams.length);
  let logits: Float32Array = new Float32Array(0);
  const step = async (id: number) => {
    const tokens = streams.map(() => id);
    ({ logits, state } = await melodyStep(models, model, tokens, streams, state, options.signal));
    steps++;
  };
  for (const id of [model.bos, ...ids]) await step(id);
  while (!grammar.done) {
    options.signal?.throwIfAborted();
    if (ids.length >= options.maxTokens) finish = "length";
    else if (performance.now() > deadline) finish = "time";
    if (finish !== "measures") break;
    const guided = guideLogits(logits, vocabulary.length, row, guidance);
    const id = sampleToken(guided, grammar.mask(), request, rng);
    grammar.accept(id);
    ids.push(id);
    if (grammar.done) break;
    await step(id);
  }
  const t2 = performance.now();
  const all = ids.map((id) => vocabulary[id]!);
  const tokens = finish === "measures" ? all : wholeMeasures(all);
  const measures = tokens.filter((t) => t === "bar").length;
  if (measures === 0) {
    throw new Problem(503, `No measure was complete when generation stopped (${finish})`, {
      slug: "generation-incomplete",
      extensions: { finish },
    });
  }
  return {
    tokens,
    semantic: melodyToSemantic(tokens).map(formatToken),
    genre: request.genre,
    seed,
    key: Number(tokens[0]!.slice(4)),
    meter: tokens[1]!.slice(6),
    measures,
    finish,
    guidance,
    model: { name: model.entry.name, version: model.entry.version, sha256: model.entry.sha256 },
    timing: {
      loadMs: round(t1 - t0),
      generateMs: round(t2 - t1),
      steps,
      tokensPerSecond: round(steps / Math.max((t2 - t1) / 1000, 1e-6)),
    },
  };
}
