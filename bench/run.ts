/**
 * `deno task bench [--only section,...]`: measures Stave on this machine and writes
 * `bench/REPORT.md`; `--only` measures the named sections again and rewrites them alone.
 *
 * Every figure is reported against a baseline measured in the same run: cold start against a
 * bare `Deno.serve` process, ONNX Runtime Web (WASM) against ONNX Runtime Node (the tiny fixture
 * for overhead, the committed OMR, melody and genre models for recognition, generation and
 * classification), request throughput of `/v1/health` against a bare Hono route in the same
 * server, search over the HNSW index against an exact scan, and indexing against embedding alone.
 *
 * @module
 */
import { Hono } from "hono";
import { createApp } from "../app.ts";
import { openTestServices } from "../tests/support/services.ts";
import {
  type FirstRequestTiming,
  type StartTiming,
  timeBareStart,
  timeStart,
} from "./cold_start.ts";
import type { ModelRuntimeBench } from "./model_runtime.ts";
import { classifySection, generateSection } from "./gen_sections.ts";
import { profileSection } from "./recognize_profile.ts";
import { INPUT_WIDTHS, medianOfRounds, type RecognizeBench, WARMUP_RUNS } from "./recognize.ts";
import type { SearchBench } from "./search.ts";
import { cliArg } from "./timing.ts";
import { withSection } from "../tests/reliability/report_section.ts";
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { createModelRegistry } from "../shared/models/mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const REPEATS = Number(Deno.env.get("STAVE_BENCH_REPEATS") ?? "5");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: number, b: number) => (a / b).toFixed(2);

async function repeat(fn: () => Promise<StartTiming>): Promise<StartTiming> {
  const runs: StartTiming[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await fn());
  return {
    readyMs: median(runs.map((r) => r.readyMs)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
  };
}

async function coldStarts() {
  const bare = await repeat(timeBareStart);
  const main = ["run", "-A", `${ROOT}main.ts`];
  const fresh = await repeat(async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "stave-bench-" });
    try {
      return await timeStart(main, { STAVE_DATA_DIR: dataDir }, "/v1/health");
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  });
  const dataDir = await Deno.makeTempDir({ prefix: "stave-bench-" });
  try {
    await timeStart(main, { STAVE_DATA_DIR: dataDir }, "/v1/health");
    const existing = await repeat(() => timeStart(main, { STAVE_DATA_DIR: dataDir }, "/v1/health"));
    return { bare, fresh, existing };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

async function modelRuntime(backend: string): Promise<ModelRuntimeBench> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/model_runtime.ts`, "--backend", backend],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench/model_runtime.ts --backend ${backend} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

async function recognizeBench(
  backend: string,
  threads: number,
  model: string,
): Promise<RecognizeBench> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/recognize.ts`,
      "--backend",
      backend,
      "--threads",
      String(threads),
      "--model",
      model,
    ],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench/recognize.ts ${backend} ${threads} ${model} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** The first `POST /v1/recognize` after a process start on an existing data folder. */
async function firstRecognize(): Promise<FirstRequestTiming> {
  const image = await Deno.readFile(
    new URL("../../shared/data/primus/example/000051652-1_2_1.png", import.meta.url),
  );
  const main = ["run", "-A", `${ROOT}main.ts`];
  const dataDir = await Deno.makeTempDir({ prefix: "stave-bench-" });
  const first = {
    path: "/v1/recognize",
    init: { method: "POST", body: image, headers: { "content-type": "image/png" } },
  };
  try {
    await timeStart(main, { STAVE_DATA_DIR: dataDir }, "/v1/health");
    const runs: FirstRequestTiming[] = [];
    for (let i = 0; i < REPEATS; i++) {
      runs.push(await timeStart(main, { STAVE_DATA_DIR: dataDir }, "/v1/health", 60_000, first));
    }
    if (runs.some((r) => r.status !== 200)) {
      throw new Error("POST /v1/recognize did not answer 200");
    }
    return {
      readyMs: median(runs.map((r) => r.readyMs)),
      firstRequestMs: median(runs.map((r) => r.firstRequestMs)),
      status: 200,
      peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Rounds of the recognize configurations, taken in turn (see `medianOfRounds`). */
const RECOGNIZE_ROUNDS = 3;

/** The full-rank recognizer the served low-rank one replaced (still the search's recognizer). */
const FULL_RANK = "omr-int8";

/** The recognizer `POST /v1/recognize` serves by default, and the fp32 model it quantizes. */
async function servedRecognizer(): Promise<{ int8: string; fp32: string }> {
  const config = loadConfig();
  const models = createModelRegistry(config);
  try {
    const entry = await models.model(config.recognize.model);
    return { int8: entry.name, fp32: entry.variantOf ?? entry.name };
  } finally {
    await models.close();
  }
}

/** The recognition section of the report. */
function recognizeSection(
  served: { int8: string; fp32: string },
  rows: Record<string, RecognizeBench>,
  cold: FirstRequestTiming,
): string {
  const node = rows["ORT Node, 1 thread, int8"]!;
  const web = rows["ORT Web, 1 thread, int8"]!;
  const fullNode = rows[`ORT Node, 1 thread, int8, ${FULL_RANK}`]!;
  const fullWeb = rows[`ORT Web, 1 thread, int8, ${FULL_RANK}`]!;
  const p50 = (r: RecognizeBench, w: number) => r.inference[w]!.p50Ms;
  const cells = (r: RecognizeBench) =>
    INPUT_WIDTHS.map((w) => `${p50(r, w)} / ${r.inference[w]!.p95Ms}`).join(" | ");
  const ratios = (name: string, r: RecognizeBench, base: RecognizeBench) =>
    `| ${name} | ${INPUT_WIDTHS.map((w) => ratio(p50(r, w), p50(base, w))).join(" | ")} |`;
  return `## Recognize: the committed OMR model, fresh process per configuration

The served model is \`${served.int8}\` (fp32: \`${served.fp32}\`); \`${FULL_RANK}\`, the full-rank
model it replaced, is measured in the same run as the baseline. Inference on the real PrIMuS
example staff, preprocessed and stretched to each model input width (64 px high), p50 / p95 in ms
over 20 runs after ${WARMUP_RUNS} untimed ones, each the median of ${RECOGNIZE_ROUNDS} rounds (a fresh process per configuration and
round, the configurations in turn); "whole path" is decode, preprocessing, inference and greedy CTC for the same staff as
it is (input width ${web.recognize.inputWidth}).

| configuration | load (ms) | first recognize (ms) | ${
    INPUT_WIDTHS.map((w) => `width ${w}`).join(" | ")
  } | whole path p50 (ms) | peak RSS (MiB) |
|---|---:|---:|${INPUT_WIDTHS.map(() => "---:").join("|")}|---:|---:|
${
    Object.entries(rows).map(([name, r]) =>
      `| ${name} | ${r.loadMs} | ${r.firstRecognizeMs} | ${
        cells(r)
      } | ${r.recognize.p50Ms} | ${r.peakRssMiB} |`
    ).join("\n")
  }

Ratios (p50), each against ORT Node, 1 thread, on the same model, and the served model against the
full-rank one on the same runtime:

| configuration | ${INPUT_WIDTHS.map((w) => `width ${w}`).join(" | ")} |
|---|${INPUT_WIDTHS.map(() => "---:").join("|")}|
${ratios(`ORT Web, 1 thread / ORT Node, ${served.int8}`, web, node)}
${ratios(`ORT Web, 2 threads / ORT Node, ${served.int8}`, rows["ORT Web, 2 threads, int8"]!, node)}
${ratios(`ORT Web, 1 thread / ORT Node, ${FULL_RANK}`, fullWeb, fullNode)}
${ratios(`${served.int8} / ${FULL_RANK}, ORT Web, 1 thread`, web, fullWeb)}
${ratios(`${served.int8} / ${FULL_RANK}, ORT Node, 1 thread`, node, fullNode)}

Targets (issue 6): p50 at width 1000 on one WASM thread ≤ 50 ms: measured ${
    p50(web, 1000)
  } ms; ORT Web ≤ 2x ORT Node on the same model: measured ${
    ratio(p50(web, 1000), p50(node, 1000))
  }x at width 1000.

Cold start of recognition: \`main.ts\` on an existing data folder is ready in ${cold.readyMs} ms;
its first \`POST /v1/recognize\` (loads the model) answers in ${cold.firstRequestMs} ms; peak RSS
${cold.peakRssMiB} MiB (medians of ${REPEATS} process starts).
`;
}

async function throughput(): Promise<{ health: number; bare: number }> {
  const services = await openTestServices();
  const app = createApp(services);
  const bare = new Hono().get("/", (c) => c.text("ok"));
  const serve = (fetch: (r: Request) => Response | Promise<Response>) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, fetch);
  const measure = async (url: string, n: number) => {
    for (let i = 0; i < 20; i++) await (await fetch(url)).body?.cancel();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await (await fetch(url)).body?.cancel();
    return Math.round(n / ((performance.now() - t0) / 1000));
  };
  const s1 = serve(app.fetch);
  const s2 = serve(bare.fetch);
  try {
    return {
      health: await measure(`http://127.0.0.1:${s1.addr.port}/v1/health`, 500),
      bare: await measure(`http://127.0.0.1:${s2.addr.port}/`, 500),
    };
  } finally {
    await s1.shutdown();
    await s2.shutdown();
    await services.close();
  }
}

async function machine(): Promise<string> {
  const cpu = /model name\s*:\s*(.+)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1];
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1]);
  return `${navigator.hardwareConcurrency} cores (${cpu ?? "unknown CPU"}), ` +
    `${Math.round(memKb / 1024 / 1024)} GiB, Deno ${Deno.version.deno}, ${Deno.build.target}`;
}

/** The cold start section: bare \`Deno.serve\` against \`main.ts\` on fresh and existing data. */
function coldStartSection(starts: Awaited<ReturnType<typeof coldStarts>>): string {
  return `## Cold start: process spawn to first 200

| what | ready (ms) | ratio to bare Deno.serve | peak RSS (MiB) |
|---|---:|---:|---:|
| bare \`Deno.serve\` (baseline) | ${starts.bare.readyMs} | 1.00 | ${starts.bare.peakRssMiB} |
| \`main.ts\`, fresh data folder (creates PGlite, migrates) | ${starts.fresh.readyMs} | ${
    ratio(starts.fresh.readyMs, starts.bare.readyMs)
  } | ${starts.fresh.peakRssMiB} |
| \`main.ts\`, existing data folder | ${starts.existing.readyMs} | ${
    ratio(starts.existing.readyMs, starts.bare.readyMs)
  } | ${starts.existing.peakRssMiB} |
`;
}

/** The model runtime section: the tiny fixture on ORT Web against ORT Node. */
async function runtimeSection(): Promise<string> {
  const web = (await modelRuntime("web")).backends.web!;
  const node = (await modelRuntime("node")).backends.node!;
  const widths = Object.keys(web.widths);
  return `## Model runtime: tiny fixture model, 1 thread, fresh process per backend

| what | ORT Web (WASM) | ORT Node (baseline) | ratio web/node |
|---|---:|---:|---:|
| session create, cold (ms) | ${web.createColdMs} | ${node.createColdMs} | ${
    ratio(web.createColdMs, node.createColdMs)
  } |
| session create, warm (ms) | ${web.createWarmMs} | ${node.createWarmMs} | ${
    ratio(web.createWarmMs, node.createWarmMs)
  } |
| first inference (ms) | ${web.firstInferenceMs} | ${node.firstInferenceMs} | ${
    ratio(web.firstInferenceMs, node.firstInferenceMs)
  } |
${
    widths.map((w) =>
      `| p50 at width ${w} (ms) | ${web.widths[w]!.p50Ms} | ${node.widths[w]!.p50Ms} | ${
        ratio(web.widths[w]!.p50Ms, node.widths[w]!.p50Ms)
      } |`
    ).join("\n")
  }

The tiny model is a few hundred bytes: its latencies measure per-call overhead, not compute.
`;
}

/** The throughput section: \`GET /v1/health\` against a bare Hono route in the same process. */
async function throughputSection(): Promise<string> {
  const rps = await throughput();
  return `## Throughput: 500 sequential requests on one connection pool

| route | req/s | ratio to bare Hono |
|---|---:|---:|
| bare Hono \`GET /\` (baseline) | ${rps.bare} | 1.00 |
| \`GET /v1/health\` (pings PGlite, the store, reads the manifest) | ${rps.health} | ${
    ratio(rps.health, rps.bare)
  } |
`;
}

/** The search section: bench/search.ts in a process of its own. */
async function searchSection(): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/search.ts`],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error("bench/search.ts failed");
  const b: SearchBench = JSON.parse(new TextDecoder().decode(output.stdout));
  const cell = (p: { p50Ms: number; p95Ms: number }) => `${p.p50Ms} / ${p.p95Ms}`;
  return `## Search: the committed notes encoder over pgvector HNSW in PGlite

Index throughput: ${b.index.scores} real scores of \`../shared/data/melodies\` (${b.index.excerpts}
excerpts; ${b.index.refused} files the library refused as unreadable) stored one by one through the
upload path (store, parse with Verovio, excerpt, embed, index):

| path | excerpts/s | scores/s | ratio to embedding alone |
|---|---:|---:|---:|
| embedding the same excerpts alone (baseline) | ${b.index.embedExcerptsPerS} | | 1.00 |
| whole upload path | ${b.index.uploadExcerptsPerS} | ${b.index.uploadScoresPerS} | ${
    ratio(b.index.uploadExcerptsPerS, b.index.embedExcerptsPerS)
  } |

Search latency: the library filled with real excerpts (each melody's 4-measure excerpts in 12
transpositions, each transposition a score) embedded by the notes encoder; ${b.queries} held-out
excerpts searched by \`searchExcerpts\` (top ${10} scores, 3 excerpts each), p50 / p95 in ms. The
baseline is the same search with index scans off (an exact scan); recall is the share of the
exact top-10 scores the HNSW search also answers. Embedding one notes query takes ${
    cell(b.queryEmbed)
  } ms more.

| excerpts | scores | insert (excerpts/s, index kept) | HNSW | exact scan (baseline) | HNSW / exact (p50) | recall@10 |
|---:|---:|---:|---:|---:|---:|---:|
${
    b.sizes.map((r) =>
      `| ${r.excerpts} | ${r.scores} | ${r.insertPerS} | ${cell(r.hnsw)} | ${cell(r.exact)} | ${
        ratio(r.hnsw.p50Ms, r.exact.p50Ms)
      } | ${r.recall} |`
    ).join("\n")
  }

Peak RSS of the bench process: ${b.peakRssMiB} MiB.
`;
}

/** The report's sections in order, by the name \`--only\` takes. */
const SECTIONS: Record<string, () => Promise<string>> = {
  "cold-start": async () => coldStartSection(await coldStarts()),
  runtime: runtimeSection,
  recognize: async () => {
    const served = await servedRecognizer();
    const configurations: Array<[string, OnnxBackend, number, string]> = [
      ["ORT Node, 1 thread, int8", "node", 1, served.int8],
      ["ORT Web, 1 thread, int8", "web", 1, served.int8],
      ["ORT Web, 2 threads, int8", "web", 2, served.int8],
      ["ORT Node, 1 thread, fp32", "node", 1, served.fp32],
      ["ORT Web, 1 thread, fp32", "web", 1, served.fp32],
      [`ORT Node, 1 thread, int8, ${FULL_RANK}`, "node", 1, FULL_RANK],
      [`ORT Web, 1 thread, int8, ${FULL_RANK}`, "web", 1, FULL_RANK],
    ];
    const rounds: RecognizeBench[][] = configurations.map(() => []);
    for (let round = 0; round < RECOGNIZE_ROUNDS; round++) {
      for (const [i, [, backend, threads, model]] of configurations.entries()) {
        rounds[i]!.push(await recognizeBench(backend, threads, model));
      }
    }
    const rows = Object.fromEntries(
      configurations.map(([name], i) => [name, medianOfRounds(rounds[i]!)]),
    );
    return recognizeSection(served, rows, await firstRecognize());
  },
  "recognize-profile": async () => profileSection((await servedRecognizer()).int8),
  throughput: throughputSection,
  generate: () => generateSection(REPEATS),
  classify: () => classifySection(20),
  search: searchSection,
};

if (import.meta.main) {
  const only = cliArg("only", "").split(",").filter(Boolean);
  const unknown = only.filter((name) => !(name in SECTIONS));
  if (unknown.length) {
    throw new Error(
      `Unknown section ${unknown.join(", ")}: use ${Object.keys(SECTIONS).join(", ")}`,
    );
  }
  const date = new Date().toISOString().slice(0, 10);
  const measured = async (name: string) =>
    `${(await SECTIONS[name]!()).trimEnd()}\n\n_Measured on ${date} by \`deno task bench${
      only.length ? ` --only ${name}` : ""
    }\`._\n`;
  let report: string;
  if (only.length) {
    report = await Deno.readTextFile(`${ROOT}bench/REPORT.md`);
    for (const name of only) {
      const section = await measured(name);
      report = withSection(report, section.slice(0, section.indexOf("\n")), section);
    }
  } else {
    const sections: string[] = [];
    for (const name of Object.keys(SECTIONS)) sections.push(await measured(name));
    report = `# Stave benchmarks

Generated by \`deno task bench\` (bench/run.ts; \`--only <section>\` measures one section again and
rewrites it alone, each section says when it was measured).
Machine: ${await machine()}.
Figures are medians of ${REPEATS} runs unless stated; ratios compare with the baseline measured
in the same run, so they travel between machines better than the absolute numbers.

${sections.join("\n")}`;
  }
  await Deno.writeTextFile(`${ROOT}bench/REPORT.md`, report);
  console.log(report);
}
