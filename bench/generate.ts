/**
 * Benchmarks melody generation in one fresh process per runtime: loading the generator, then
 * lines of 32 measures sampled with the service's own code, timed as model steps per second.
 *
 * `deno run -A bench/generate.ts --backend web --model melody-int8 --guidance 6 --runs 5` prints
 * JSON.
 *
 * @module
 */
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { generateMelody } from "../shared/generate/mod.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import { cliArg, round } from "./timing.ts";

/** The guidance weight guided lines are timed at (any weight above 0 costs the same). */
export const GUIDED = 6;

/** Measures per generated line. */
export const GENERATE_MEASURES = 32;

/** What one configuration measured. */
export interface GenerateBench {
  readonly backend: OnnxBackend;
  readonly model: string;
  /** Genre guidance weight: above 0, every step runs one row per genre. */
  readonly guidance: number;
  /** Reading the manifest and file, checking the sha256, creating the session. */
  readonly loadMs: number;
  /** Lines timed (seeds 1..runs, after one warm-up line). */
  readonly runs: number;
  /** Median model steps (tokens fed) per second over the lines. */
  readonly tokensPerSecond: number;
  /** Median milliseconds per line of {@linkcode GENERATE_MEASURES} measures. */
  readonly lineMs: number;
  /** Median tokens per line. */
  readonly tokensPerLine: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Measures one runtime in this process. */
export async function benchGenerate(
  backend: OnnxBackend,
  model: string,
  guidance: number,
  runs = 5,
): Promise<GenerateBench> {
  const config = loadConfig({ ...Deno.env.toObject(), STAVE_ONNX_BACKEND: backend });
  const models = createModelRegistry(config);
  try {
    const t0 = performance.now();
    await models.session(model);
    const loadMs = performance.now() - t0;
    const options = { ...config.generate, model, timeoutMs: 600_000 };
    const line = (seed: number) =>
      generateMelody(models, {
        genre: "irish-folk",
        measures: GENERATE_MEASURES,
        temperature: 1,
        topP: 0.95,
        guidance,
        seed,
      }, options);
    await line(0);
    const lines = [];
    for (let seed = 1; seed <= runs; seed++) lines.push(await line(seed));
    return {
      backend,
      model,
      guidance,
      loadMs: round(loadMs),
      runs,
      tokensPerSecond: median(lines.map((l) => l.timing.tokensPerSecond)),
      lineMs: median(lines.map((l) => l.timing.generateMs)),
      tokensPerLine: median(lines.map((l) => l.tokens.length)),
    };
  } finally {
    await models.close();
  }
}

if (import.meta.main) {
  const result = await benchGenerate(
    cliArg("backend", "web") as OnnxBackend,
    cliArg("model", "melody-int8"),
    Number(cliArg("guidance", String(GUIDED))),
    Number(cliArg("runs", "5")),
  );
  console.log(JSON.stringify(result, null, 2));
}
