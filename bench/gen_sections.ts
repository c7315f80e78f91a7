/**
 * The generation and classification sections of `bench/REPORT.md`: each runtime configuration in
 * a fresh process (`bench/generate.ts`, `bench/classify.ts`), then the Markdown.
 *
 * @module
 */
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import type { ClassifyBench } from "./classify.ts";
import { GENERATE_MEASURES, type GenerateBench, GUIDED } from "./generate.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ratio = (a: number, b: number) => (a / b).toFixed(2);

async function spawn<T>(script: string, args: string[]): Promise<T> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/${script}`, ...args],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench/${script} ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** The generation section: lines per configuration, `runs` lines each. */
export async function generateSection(runs: number): Promise<string> {
  const configurations: [string, OnnxBackend, string, number][] = [];
  for (const guidance of [GUIDED, 0]) {
    for (const [model, form] of [["melody-int8", "int8"], ["melody", "fp32"]]) {
      for (const [backend, runtime] of [["node", "Node"], ["web", "Web"]] as const) {
        configurations.push([
          `ORT ${runtime}, ${form}, guidance ${guidance}`,
          backend,
          model!,
          guidance,
        ]);
      }
    }
  }
  const rows: [string, GenerateBench][] = [];
  for (const [name, backend, model, guidance] of configurations) {
    const args = ["--backend", backend, "--model", model, "--guidance", String(guidance)];
    rows.push([name, await spawn<GenerateBench>("generate.ts", [...args, "--runs", String(runs)])]);
  }
  const key = (r: GenerateBench) => `${r.model} ${r.guidance}`;
  const node = Object.fromEntries(
    rows.filter(([, r]) => r.backend === "node").map(([, r]) => [key(r), r]),
  );
  return `## Generate: the committed melody LSTM, fresh process per configuration

Lines of ${GENERATE_MEASURES} measures of irish-folk (temperature 1, top-p 0.95, seeds 1..${runs}
after one warm-up line), sampled by the service's own code (grammar mask, seeded sampler), one
thread. Guidance above 0 (any weight costs the same) steps the line once per genre in one batch of
five and contrasts them (shared/generate/guidance.ts); guidance 0 steps it once (batch 1). Each
genre's default weight is in \`GET /v1/genres\`. Tokens/s counts the line's tokens, not batch rows. Medians over the lines.

| configuration | load (ms) | tokens/s | line (ms) | tokens per line | ORT Web / ORT Node time per token |
|---|---:|---:|---:|---:|---:|
${
    rows.map(([name, r]) =>
      `| ${name} | ${r.loadMs} | ${r.tokensPerSecond} | ${r.lineMs} | ${r.tokensPerLine} | ${
        ratio(node[key(r)]!.tokensPerSecond, r.tokensPerSecond)
      } |`
    ).join("\n")
  }
`;
}

/** The classification section, or a line saying the manifest has no classifier. */
export async function classifySection(runs: number): Promise<string> {
  const registry = createModelRegistry(loadConfig());
  const manifest = await registry.manifest().finally(() => registry.close());
  if (!manifest.models.some((m) => m.task === "classify")) {
    return "## Classify\n\nNot measured: the manifest has no classifier.\n";
  }
  const rows: [string, ClassifyBench][] = [];
  for (const backend of ["node", "web"] as const) {
    const args = ["--backend", backend, "--runs", String(runs)];
    rows.push([`ORT ${backend === "node" ? "Node" : "Web"}`, await spawn("classify.ts", args)]);
  }
  const [, first] = rows[0]!;
  const [, web] = rows[1]!;
  const cell = (p: { p50Ms: number; p95Ms: number }) => `${p.p50Ms} / ${p.p95Ms}`;
  return `## Classify: the committed genre CNN, fresh process per runtime

\`classifyNotes\` (piano-roll windows, one batch, softmax mean) on real pieces: the first tune of
O'Neill's 0001-0050.abc (${first.windows.tune} windows) and Palestrina's Agnus (renaissance/Agnus.krn,
first voice, ${first.windows.mass} windows); "from ABC" adds reading the tune with Verovio. p50 / p95
in ms over ${runs} runs, one thread.

| configuration | load (ms) | tune | mass movement | from ABC |
|---|---:|---:|---:|---:|
${
    rows.map(([name, r]) =>
      `| ${name} | ${r.loadMs} | ${cell(r.tune)} | ${cell(r.mass)} | ${cell(r.fromAbc)} |`
    ).join("\n")
  }

ORT Web / ORT Node (p50): ${ratio(web.tune.p50Ms, first.tune.p50Ms)} on the tune, ${
    ratio(web.mass.p50Ms, first.mass.p50Ms)
  } on the mass movement.
`;
}
