/**
 * Benchmarks genre classification in one fresh process per runtime: loading the classifier, the
 * latency of `classifyNotes` on a real one-window tune and a real many-window mass movement, and
 * the whole path from the tune's ABC.
 *
 * `deno run -A bench/classify.ts --backend web --runs 20` prints JSON.
 *
 * @module
 */
import { classifyNotes, notesFromScore } from "../shared/classify/mod.ts";
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import { cliArg, type Percentiles, percentiles, round, timeRuns } from "./timing.ts";

const MELODIES = new URL("../../shared/data/melodies/", import.meta.url);
/** A real O'Neill's tune (the collection's first) and a real Palestrina Agnus Dei. */
export const CLASSIFY_PIECES = {
  tune: new URL("irish-folk/0001-0050.abc", MELODIES),
  mass: new URL("renaissance/Agnus.krn", MELODIES),
};

/** What one configuration measured. */
export interface ClassifyBench {
  readonly backend: OnnxBackend;
  readonly model: string;
  /** Reading the manifest and file, checking the sha256, creating the session. */
  readonly loadMs: number;
  /** Piano-roll windows of each piece. */
  readonly windows: { readonly tune: number; readonly mass: number };
  /** `classifyNotes` on the tune's notes. */
  readonly tune: Percentiles;
  /** `classifyNotes` on the mass movement's notes. */
  readonly mass: Percentiles;
  /** Reading the ABC collection's first tune with Verovio, then classifying it. */
  readonly fromAbc: Percentiles;
}

/** Measures one runtime in this process. */
export async function benchClassify(backend: OnnxBackend, runs = 20): Promise<ClassifyBench> {
  const config = loadConfig({ ...Deno.env.toObject(), STAVE_ONNX_BACKEND: backend });
  const models = createModelRegistry(config);
  const options = { model: config.classify.model, maxWindows: config.classify.maxWindows };
  try {
    const t0 = performance.now();
    await models.session(options.model);
    const loadMs = performance.now() - t0;
    const abc = await Deno.readFile(CLASSIFY_PIECES.tune);
    const tune = await notesFromScore(abc, "abc");
    const mass = await notesFromScore(await Deno.readFile(CLASSIFY_PIECES.mass), "humdrum");
    const windows = {
      tune: (await classifyNotes(models, tune, options)).windows,
      mass: (await classifyNotes(models, mass, options)).windows,
    };
    return {
      backend,
      model: options.model,
      loadMs: round(loadMs),
      windows,
      tune: percentiles(await timeRuns(runs, () => classifyNotes(models, tune, options))),
      mass: percentiles(await timeRuns(runs, () => classifyNotes(models, mass, options))),
      fromAbc: percentiles(
        await timeRuns(
          runs,
          async () => classifyNotes(models, await notesFromScore(abc, "abc"), options),
        ),
      ),
    };
  } finally {
    await models.close();
  }
}

if (import.meta.main) {
  const result = await benchClassify(
    cliArg("backend", "web") as OnnxBackend,
    Number(cliArg("runs", "20")),
  );
  console.log(JSON.stringify(result, null, 2));
}
