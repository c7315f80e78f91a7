/**
 * The search encoders as the service runs them (`embedRolls` on the model registry, ORT Web by
 * default), fp32 against dynamic int8, on the held-out test rolls of `deno task data:search`:
 * recall@1 in the 2,000-excerpt pool for every direction between modalities, and the time per
 * embedding. Writes `models/search/variants.json`, which `deno task eval:search` puts in the
 * report.
 *
 * `deno run -A models/eval/search_variants.ts [--data data/search] [--split test]`
 *
 * @module
 */
import { loadConfig } from "../../shared/config.ts";
import { createModelRegistry } from "../../shared/models/mod.ts";
import { embedRolls, loadSearchModel, SEARCH_MODALITIES } from "../../shared/search/mod.ts";

const arg = (name: string, fallback: string) => {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1]! : fallback;
};

/** Recall@1 of queries `q` against candidates `c` (row i matches row i), embeddings unit-length. */
export function recallAt1(q: readonly Float32Array[], c: readonly Float32Array[]): number {
  const dot = (a: Float32Array, b: Float32Array) => {
    let sum = 0;
    for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
    return sum;
  };
  let hits = 0;
  for (let i = 0; i < q.length; i++) {
    const own = dot(q[i]!, c[i]!);
    let beaten = false;
    for (let j = 0; j < c.length && !beaten; j++) beaten = j !== i && dot(q[i]!, c[j]!) > own;
    if (!beaten) hits++;
  }
  return hits / q.length;
}

if (import.meta.main) {
  const data = arg("data", "data/search");
  const split = arg("split", "test");
  const meta = JSON.parse(await Deno.readTextFile(`${data}/meta.json`));
  const width = meta.roll.frames * meta.roll.pitches;
  const config = loadConfig();
  const models = createModelRegistry(config);
  const out: Record<string, unknown> = { backend: config.onnx.backend, split };
  try {
    for (const variant of ["", "-int8"]) {
      const embeddings: Record<string, Float32Array[]> = {};
      const msPerRoll: Record<string, number> = {};
      for (const modality of SEARCH_MODALITIES) {
        const bytes = await Deno.readFile(`${data}/${split}.${modality}.f32`);
        const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        const rolls = Array.from(
          { length: all.length / width },
          (_, i) => all.subarray(i * width, (i + 1) * width),
        );
        const model = await loadSearchModel(models, `search-${modality}${variant}`, modality);
        const t0 = performance.now();
        embeddings[modality] = await embedRolls(models, model, rolls);
        msPerRoll[modality] = Math.round(((performance.now() - t0) / rolls.length) * 1000) / 1000;
      }
      const recall: Record<string, number> = {};
      for (const a of SEARCH_MODALITIES) {
        for (const b of SEARCH_MODALITIES) {
          if (a === b) continue;
          recall[`${a}->${b}`] = Math.round(recallAt1(embeddings[a]!, embeddings[b]!) * 1e4) / 1e4;
        }
      }
      out[variant === "" ? "fp32" : "int8"] = { recallAt1: recall, msPerRoll };
      console.log(variant || "fp32", JSON.stringify(recall), JSON.stringify(msPerRoll));
    }
  } finally {
    await models.close();
  }
  await Deno.writeTextFile("models/search/variants.json", JSON.stringify(out, null, 1) + "\n");
}
