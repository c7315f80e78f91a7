/**
 * Where recognition's time goes: onnxruntime's own per-node trace of the committed OMR model at
 * one input width, on ORT Web (WASM) and ORT Node, one thread each, summed by operator type and
 * by part of the model (CNN, BiSRU, CTC heads).
 *
 * `deno run -A bench/recognize_profile.ts --backend web --model omr-int8 --width 1000` prints the
 * trace (onnxruntime-web prints it to stdout itself; the node trace is read back from its file);
 * {@linkcode profileSection} runs that once per runtime in a fresh process and writes the
 * Markdown.
 *
 * @module
 */
import { loadConfig, type OnnxBackend } from "../shared/config.ts";
import { createModelRegistry } from "../shared/models/mod.ts";
import { createSession } from "../shared/models/onnx_runtime.ts";
import { cliArg } from "./timing.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs traced per process; the last is summarised, once V8 has optimised the WASM (see
 * `WARMUP_RUNS` in recognize.ts). */
export const PROFILE_RUNS = 30;

/** One node's execution in a trace. */
interface TraceEvent {
  readonly cat?: string;
  readonly name: string;
  readonly ts: number;
  readonly dur: number;
  readonly args?: { readonly op_name?: string };
}

/** The last traced run, summed. */
export interface RunProfile {
  /** The run's wall time in the trace (ms), profiling overhead included. */
  readonly runMs: number;
  /** Kernel time by operator type (ms), as onnxruntime ran the graph (after its fusions). */
  readonly byOp: Readonly<Record<string, number>>;
  /** Kernel time by part of the model (ms). */
  readonly byPart: Readonly<Record<ModelPart, number>>;
  /** Nodes run by operator type. */
  readonly nodes: Readonly<Record<string, number>>;
}

/** Parts of the recognizer, told apart by the exported node names. */
export type ModelPart = "CNN and the rest" | "BiSRU" | "CTC heads";

/** The part of the model a node's name places it in. */
export function modelPart(nodeName: string): ModelPart {
  if (nodeName.includes("/rnn/") || nodeName.includes("rnn.")) return "BiSRU";
  if (/\/(semantic|agnostic)\/|heads\.|LogSoftmax/.test(nodeName)) return "CTC heads";
  return "CNN and the rest";
}

/** Sums the last `model_run` of an onnxruntime trace (the JSON array in `text`). */
export function summariseTrace(text: string): RunProfile {
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end < start) throw new SyntaxError("No onnxruntime trace in the output");
  const events = JSON.parse(text.slice(start, end + 1)) as TraceEvent[];
  const run = events.filter((e) => e.name === "model_run").at(-1);
  if (!run) throw new SyntaxError("The trace has no model_run");
  const byOp: Record<string, number> = {};
  const nodes: Record<string, number> = {};
  const byPart: Record<ModelPart, number> = { "CNN and the rest": 0, BiSRU: 0, "CTC heads": 0 };
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    if (e.ts < run.ts || e.ts > run.ts + run.dur) continue;
    const op = e.args?.op_name ?? "?";
    const ms = e.dur / 1000;
    byOp[op] = (byOp[op] ?? 0) + ms;
    nodes[op] = (nodes[op] ?? 0) + 1;
    byPart[modelPart(e.name.slice(0, -"_kernel_time".length))] += ms;
  }
  return { runMs: run.dur / 1000, byOp, byPart, nodes };
}

/** Traces `runs` runs of `model` at `width` in this process; prints the trace to stdout. */
async function traceHere(backend: OnnxBackend, model: string, width: number, runs: number) {
  // The registry finds the model as the service does (STAVE_MODELS) and verifies its sha256.
  const models = createModelRegistry(loadConfig());
  const entry = await models.model(model);
  const artifact = await models.artifact(entry.file);
  await models.close();
  const [input] = entry.inputs;
  const height = input?.shape[2];
  if (!input || typeof height !== "number") throw new Error(`"${model}" has no fixed input height`);
  const dir = await Deno.makeTempDir({ prefix: "stave-profile-" });
  try {
    const session = await createSession(artifact!.bytes, {
      backend,
      threads: 1,
      profile: `${dir}/trace`,
    });
    // A fixed, staff-like input: the trace depends on shapes, not values.
    const data = Float32Array.from({ length: height * width }, (_, i) => (i * 7919 % 255) / 255);
    const image = { dtype: "float32", dims: [1, 1, height, width], data } as const;
    for (let i = 0; i < runs; i++) await session.run({ [input.name]: image });
    session.endProfiling();
    await session.release();
    for await (const file of Deno.readDir(dir)) {
      console.log(await Deno.readTextFile(`${dir}/${file.name}`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Traces one runtime in a fresh process and sums its last run. */
export async function profileRecognize(
  backend: OnnxBackend,
  model: string,
  width: number,
  runs = PROFILE_RUNS,
): Promise<RunProfile> {
  const args = ["--backend", backend, "--model", model, "--width", String(width)];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/recognize_profile.ts`, ...args, "--runs", String(runs)],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench/recognize_profile.ts ${args.join(" ")} failed`);
  return summariseTrace(new TextDecoder().decode(output.stdout));
}

const ms = (x: number) => x.toFixed(1);

/** The report section: operator types and model parts, ORT Web against ORT Node. */
export async function profileSection(model: string, width = 1000): Promise<string> {
  const web = await profileRecognize("web", model, width);
  const node = await profileRecognize("node", model, width);
  const total = (p: RunProfile) => Object.values(p.byOp).reduce((a, b) => a + b, 0);
  const ops = Object.keys({ ...web.byOp, ...node.byOp })
    .sort((a, b) => (web.byOp[b] ?? 0) - (web.byOp[a] ?? 0));
  const shown = ops.slice(0, 10);
  const rest = (p: RunProfile) => ops.slice(10).reduce((s, op) => s + (p.byOp[op] ?? 0), 0);
  const row = (name: string, w: number, n: number, extra = "") =>
    `| ${name} | ${ms(w)} | ${ms(n)} | ${n > 0 ? (w / n).toFixed(2) : "-"} | ${
      ms((100 * w) / total(web))
    } %${extra} |`;
  return `## Recognize: where the time goes (onnxruntime's trace, ${model}, width ${width})

Each runtime traced in a fresh process, one thread, ${PROFILE_RUNS} runs on a ${width} px staff
input; the last (warm) run is summed from onnxruntime's per-node trace, after the runtime's own
graph fusions (so operator types are what ran, e.g. MatMulNBits for a DequantizeLinear + MatMul).
Tracing slows every node, so read shares and ratios, not absolute latency (the Recognize section
times the model untraced). Baseline: ORT Node.

| operator type (nodes) | ORT Web (ms) | ORT Node (ms) | web / node | share of web |
|---|---:|---:|---:|---:|
${
    shown.map((op) =>
      row(`${op} (${web.nodes[op] ?? node.nodes[op]})`, web.byOp[op] ?? 0, node.byOp[op] ?? 0)
    ).join("\n")
  }
${row(`${ops.length - shown.length} other types`, rest(web), rest(node))}
| **all kernels** | ${ms(total(web))} | ${ms(total(node))} | ${
    (total(web) / total(node)).toFixed(2)
  } | 100 % |

| part of the model | ORT Web (ms) | ORT Node (ms) | web / node | share of web |
|---|---:|---:|---:|---:|
${
    (Object.keys(web.byPart) as ModelPart[]).map((part) =>
      row(part, web.byPart[part], node.byPart[part])
    ).join("\n")
  }
`;
}

if (import.meta.main) {
  await traceHere(
    cliArg("backend", "web") as OnnxBackend,
    cliArg("model", loadConfig().recognize.model),
    Number(cliArg("width", "1000")),
    Number(cliArg("runs", String(PROFILE_RUNS))),
  );
}
