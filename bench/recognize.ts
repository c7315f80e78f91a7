/**
 * Benchmarks staff recognition with the committed OMR model in one fresh process per runtime
 * configuration: model load, the first recognition, inference latency at fixed input widths and
 * the whole recognition path on a real staff image.
 *
 * `deno run -A bench/recognize.ts --backend web --threads 1 [--model omr-int8]` prints JSON
 * (the model defaults to the one `POST /v1/recognize` serves).
 *
 * @module
 */
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { decodeImage } from "../shared/image/decode_image.ts";
import { prepareStaff, resize } from "../shared/image/staff_image.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import { framingOf, recognizeStaff, staffTensor } from "../shared/recognize.ts";
import { cliArg, peakRssMiB, type Percentiles, percentiles, round, timeRuns } from "./timing.ts";

/** A real PrIMuS staff (the team kit's example), the input of every measurement. */
const STAFF_PNG = new URL("../../shared/data/primus/example/000051652-1_2_1.png", import.meta.url);

/**
 * Untimed runs before each timed series. V8 first runs onnxruntime-web's WASM as baseline code and
 * optimises the hot functions in the background: at a new input shape the first ~20 runs of the
 * served model on one thread were ~15 % slower than the rest. The steady state is what a serving
 * process answers; the first recognition is reported on its own.
 */
export const WARMUP_RUNS = 20;

/** Model input widths (pixels at the manifest's input height) timed for inference. */
export const INPUT_WIDTHS = [500, 1000, 2000] as const;

/** What one configuration measured. */
export interface RecognizeBench {
  readonly backend: OnnxBackend;
  readonly threads: number;
  readonly model: string;
  /** Reading the manifest and file, checking the sha256, creating the session. */
  readonly loadMs: number;
  /** The first recognition after loading (includes the runtime's first-run work). */
  readonly firstRecognizeMs: number;
  /** Inference alone, by input width. */
  readonly inference: Readonly<Record<string, Percentiles>>;
  /** Decode, preprocess, inference and CTC on the real staff image. */
  readonly recognize: Percentiles & { readonly inputWidth: number };
  /** Peak resident memory of the process, in MiB. */
  readonly peakRssMiB: number;
}

/** Measures one runtime configuration in this process. */
export async function benchRecognize(
  backend: OnnxBackend,
  threads: number,
  model: string,
  runs = 20,
): Promise<RecognizeBench> {
  const config = loadConfig({
    ...Deno.env.toObject(),
    STAVE_ONNX_BACKEND: backend,
    STAVE_ORT_THREADS: String(threads),
  });
  const models = createModelRegistry(config);
  try {
    const bytes = await Deno.readFile(STAFF_PNG);
    const options = { model, decoder: "greedy", beamWidth: 1, maxPixels: 40e6 } as const;
    const t0 = performance.now();
    const entry = await models.model(model);
    await models.session(model);
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    const first = await recognizeStaff(bytes, models, options);
    const firstRecognizeMs = performance.now() - t1;
    const prepared = prepareStaff(await decodeImage(bytes, { maxPixels: 40e6 }), framingOf(entry))
      .image;
    const inference: Record<string, Percentiles> = {};
    for (const width of INPUT_WIDTHS) {
      // The real staff stretched to the width: the cost depends only on the tensor's size.
      const image = staffTensor(resize(prepared, width, prepared.height));
      inference[width] = percentiles(
        await timeRuns(runs, () => models.run(model, { image }), WARMUP_RUNS),
      );
    }
    const recognize = percentiles(
      await timeRuns(runs, () => recognizeStaff(bytes, models, options), WARMUP_RUNS),
    );
    const peakRss = await peakRssMiB();
    return {
      backend,
      threads,
      model,
      loadMs: round(loadMs),
      firstRecognizeMs: round(firstRecognizeMs),
      inference,
      recognize: { ...recognize, inputWidth: first.staff.width },
      peakRssMiB: peakRss,
    };
  } finally {
    await models.close();
  }
}

/** The middle value of `values` (the upper one of an even count). */
const middle = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/**
 * One configuration measured in several rounds, as one result: each time is the median over the
 * rounds, the peak RSS the largest. Rounds taken in turn with the other configurations keep a
 * slow minute of a shared machine from landing on one configuration alone.
 *
 * @throws {RangeError} for no rounds, or rounds of different configurations.
 */
export function medianOfRounds(rounds: readonly RecognizeBench[]): RecognizeBench {
  const [first] = rounds;
  if (first === undefined) throw new RangeError("No rounds to merge");
  const key = (r: RecognizeBench) => `${r.backend} ${r.threads} ${r.model}`;
  if (rounds.some((r) => key(r) !== key(first))) {
    throw new RangeError(`Rounds of different configurations: ${rounds.map(key).join(", ")}`);
  }
  const of = (pick: (r: RecognizeBench) => number) => middle(rounds.map(pick));
  const percentilesOf = (pick: (r: RecognizeBench) => Percentiles): Percentiles => ({
    p50Ms: of((r) => pick(r).p50Ms),
    p95Ms: of((r) => pick(r).p95Ms),
  });
  return {
    ...first,
    loadMs: of((r) => r.loadMs),
    firstRecognizeMs: of((r) => r.firstRecognizeMs),
    inference: Object.fromEntries(
      Object.keys(first.inference).map((w) => [w, percentilesOf((r) => r.inference[w]!)]),
    ),
    recognize: { ...percentilesOf((r) => r.recognize), inputWidth: first.recognize.inputWidth },
    peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB)),
  };
}

if (import.meta.main) {
  const result = await benchRecognize(
    cliArg("backend", "web") as OnnxBackend,
    Number(cliArg("threads", "1")),
    cliArg("model", loadConfig().recognize.model),
    Number(cliArg("runs", "20")),
  );
  console.log(JSON.stringify(result, null, 2));
}
