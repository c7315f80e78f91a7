/**
 * Symbol error rate of the recognition path the endpoint runs (decode, preprocess, ONNX, CTC in
 * TypeScript) on held-out staves of a data set: `deno run -A scripts/eval_recognize.ts
 * --data data/omr --splits test,test_camera --count 200 [--model omr-int8] [--decoder greedy]`.
 *
 * @module
 */
import { loadConfig } from "../shared/config.ts";
import { editDistance } from "../shared/edit_distance.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import { parseLabelFile } from "../shared/music/mod.ts";
import { type DecoderKind, recognizeStaff } from "../shared/recognize.ts";

/** Errors of one split. */
export interface SplitScore {
  readonly staves: number;
  readonly semanticSer: number;
  readonly agnosticSer: number;
  readonly semanticSeqErr: number;
  readonly failed: number;
}

if (import.meta.main) {
  const arg = (name: string, fallback: string) => {
    const at = Deno.args.indexOf(`--${name}`);
    return at >= 0 ? Deno.args[at + 1]! : fallback;
  };
  const data = arg("data", "data/omr");
  const count = Number(arg("count", "200"));
  const decoder = arg("decoder", "greedy") as DecoderKind;
  const config = loadConfig();
  const models = createModelRegistry(config);
  const model = arg("model", config.recognize.model);
  const results: Record<string, SplitScore> = {};
  try {
    for (const split of arg("splits", "test,test_camera").split(",")) {
      const names = [...Deno.readDirSync(`${data}/${split}`)].map((e) => e.name)
        .filter((n) => n.endsWith(".png")).sort().slice(0, count);
      let semEdits = 0, semRef = 0, agnEdits = 0, agnRef = 0, wrong = 0, failed = 0;
      for (const name of names) {
        const stem = `${data}/${split}/${name.slice(0, -4)}`;
        const semantic = parseLabelFile(await Deno.readTextFile(`${stem}.semantic`));
        const agnostic = parseLabelFile(await Deno.readTextFile(`${stem}.agnostic`));
        semRef += semantic.length;
        agnRef += agnostic.length;
        let got;
        try {
          got = await recognizeStaff(await Deno.readFile(`${stem}.png`), models, {
            model,
            decoder,
            beamWidth: 8,
            maxPixels: config.recognize.maxPixels,
          });
        } catch {
          failed++;
          semEdits += semantic.length;
          agnEdits += agnostic.length;
          wrong++;
          continue;
        }
        const s = editDistance(got.semantic?.tokens.map((t) => t.token) ?? [], semantic);
        semEdits += s;
        agnEdits += editDistance(got.agnostic?.tokens.map((t) => t.token) ?? [], agnostic);
        wrong += s > 0 ? 1 : 0;
      }
      results[split] = {
        staves: names.length,
        semanticSer: semEdits / semRef,
        agnosticSer: agnEdits / agnRef,
        semanticSeqErr: wrong / names.length,
        failed,
      };
    }
  } finally {
    await models.close();
  }
  console.log(JSON.stringify({ data, model, decoder, results }, null, 2));
}
