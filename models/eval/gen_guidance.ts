/**
 * @module CLI, `deno task calibrate:gen`: each genre's default guidance weight, per generator of
 * the manifest. Guidance makes a line more clearly of its genre but sharpens its distributions
 * (models/gen/REPORT.md), so a genre gets the smallest weight of {@linkcode GUIDANCE_GRID} at
 * which the classifier assigns at least {@linkcode TARGET_SHARE} of {@linkcode CALIBRATION_LINES}
 * lines to it, 0 where the generator alone does. The lines use seeds from 10,000 on, apart from
 * `eval:gen`'s 0..499, which then measures the defaults on lines the choice never saw.
 *
 * Writes `preprocess.genres[].guidance` of each generator's manifest entry (which
 * `shared/generate` reads) and the shares measured to `models/gen/guidance.json`. Run it after
 * exporting a generator (the export writes no weights) and before `deno task eval:gen`.
 */
import { classifyNotes } from "../../shared/classify/mod.ts";
import { loadConfig } from "../../shared/config.ts";
import { generateMelody } from "../../shared/generate/mod.ts";
import { createModelRegistry } from "../../shared/models/mod.ts";
import type { ModelRegistry } from "../../shared/models/model_registry.ts";
import { melodyToSemantic } from "../../shared/music/melody_tokens.ts";
import { semanticToTimeline } from "../../shared/music/timeline.ts";
import { EVAL_LIMITS, EVAL_LINE } from "./generation.ts";

/** The weights tried, in order. */
export const GUIDANCE_GRID = [0, 1, 2, 3, 4, 5, 6, 8] as const;

/** The share of lines the classifier must assign to the genre asked: the 90 % target of
 * `eval:gen` plus a margin for the sampling noise of 200 lines (about 2 points). */
export const TARGET_SHARE = 0.92;

/** Lines per genre and weight. */
export const CALIBRATION_LINES = 200;

/** The first seed: the evaluation uses 0..499. */
export const FIRST_SEED = 10_000;

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The weight to use: the first of `grid` whose share reaches `target`, measured lazily by
 * `share` (in grid order, stopping there); the best share's weight when none does.
 *
 * @example
 * ```ts
 * import { chooseWeight } from "./gen_guidance.ts";
 * const shares: Record<number, number> = { 0: 0.6, 1: 0.8, 2: 0.95, 3: 0.97 };
 * const chosen = await chooseWeight([0, 1, 2, 3], 0.9, async (w) => shares[w]!);
 * console.assert(chosen.weight === 2 && chosen.reached && Object.keys(chosen.shares).length === 3);
 * ```
 */
export async function chooseWeight(
  grid: readonly number[],
  target: number,
  share: (weight: number) => Promise<number>,
): Promise<{ weight: number; reached: boolean; shares: Record<string, number> }> {
  const shares: Record<string, number> = {};
  let best = grid[0]!;
  for (const weight of grid) {
    shares[weight] = await share(weight);
    if (shares[weight]! >= target) return { weight, reached: true, shares };
    if (shares[weight]! > shares[best]!) best = weight;
  }
  return { weight: best, reached: false, shares };
}

/** The share of `lines` lines of `genre` at `guidance` the classifier assigns to `genre`. */
async function classifiedShare(
  models: ModelRegistry,
  model: string,
  classifier: string,
  genre: string,
  guidance: number,
  lines: number,
): Promise<number> {
  let right = 0;
  for (let seed = FIRST_SEED; seed < FIRST_SEED + lines; seed++) {
    const line = await generateMelody(
      models,
      { genre, ...EVAL_LINE, guidance, seed },
      { model, ...EVAL_LIMITS },
    );
    const notes = semanticToTimeline(melodyToSemantic(line.tokens));
    const verdict = await classifyNotes(models, notes, { model: classifier, maxWindows: 4096 });
    if (verdict.best === genre) right++;
  }
  return right / lines;
}

if (import.meta.main) {
  const config = loadConfig({ ...Deno.env.toObject(), STAVE_ONNX_BACKEND: "node" });
  const models = createModelRegistry(config);
  const manifestPath = `${ROOT}/models/manifest.json`;
  const doc = JSON.parse(await Deno.readTextFile(manifestPath));
  const generators = (doc.models as { name: string; task: string }[])
    .filter((m) => m.task === "generate").map((m) => m.name);
  const result: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    classifier: config.classify.model,
    grid: GUIDANCE_GRID,
    target: TARGET_SHARE,
    lines: CALIBRATION_LINES,
    seeds: `${FIRST_SEED}..${FIRST_SEED + CALIBRATION_LINES - 1}`,
    models: {},
  };
  for (const name of generators) {
    const entry = doc.models.find((m: { name: string }) => m.name === name);
    const chosen: Record<string, unknown> = {};
    for (const genre of entry.preprocess.genres as { id: string; guidance?: number }[]) {
      const pick = await chooseWeight(
        GUIDANCE_GRID,
        TARGET_SHARE,
        (w) => classifiedShare(models, name, config.classify.model, genre.id, w, CALIBRATION_LINES),
      );
      genre.guidance = pick.weight;
      chosen[genre.id] = pick;
      console.error(`${name} ${genre.id}: guidance ${pick.weight} ${JSON.stringify(pick.shares)}`);
    }
    (result.models as Record<string, unknown>)[name] = chosen;
  }
  await models.close();
  await Deno.writeTextFile(manifestPath, JSON.stringify(doc, null, 2) + "\n");
  await Deno.writeTextFile(
    `${ROOT}/models/gen/guidance.json`,
    JSON.stringify(result, null, 1) + "\n",
  );
  console.error(`wrote ${manifestPath} and models/gen/guidance.json`);
}
