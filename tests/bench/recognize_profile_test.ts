import assert from "node:assert/strict";
import { modelPart, profileSection, summariseTrace } from "../../bench/recognize_profile.ts";

const node = (name: string, op: string, ts: number, dur: number) => ({
  cat: "Node",
  name: `${name}_kernel_time`,
  ph: "X",
  ts,
  dur,
  args: { op_name: op },
});

Deno.test("summariseTrace() sums the last run's kernels by operator type and model part", () => {
  const trace = [
    { cat: "Session", name: "model_run", ts: 0, dur: 100 },
    node("/model/stem/conv/Conv", "Conv", 10, 50),
    { cat: "Session", name: "model_run", ts: 200, dur: 100 },
    node("ConvInteger_9", "ConvInteger", 210, 4000),
    node("/model/rnn/fwd.0/Mul_3", "Mul", 220, 1000),
    node("/model/s1/Mul", "Mul", 230, 500),
    node("/model/semantic/MatMul", "MatMulNBits", 240, 2000),
    { cat: "Node", name: "/model/semantic/MatMul_fence_before", ts: 240, dur: 7 },
  ];
  const text = `onnxruntime prints first\n${JSON.stringify(trace)}\n`;
  const p = summariseTrace(text);
  assert.equal(p.runMs, 0.1);
  assert.deepEqual(p.byOp, { ConvInteger: 4, Mul: 1.5, MatMulNBits: 2 });
  assert.deepEqual(p.nodes, { ConvInteger: 1, Mul: 2, MatMulNBits: 1 });
  assert.deepEqual(p.byPart, { "CNN and the rest": 4.5, BiSRU: 1, "CTC heads": 2 });
  assert.throws(() => summariseTrace("no trace"), /No onnxruntime trace/);
  assert.throws(() => summariseTrace("[]"), /no model_run/);
});

Deno.test("modelPart() places the exported node names", () => {
  assert.equal(modelPart("/model/rnn/bwd.1/proj/MatMul"), "BiSRU");
  assert.equal(modelPart("/model/agnostic/MatMul"), "CTC heads");
  assert.equal(modelPart("/LogSoftmax_1"), "CTC heads");
  assert.equal(modelPart("/model/fuse/conv/Conv"), "CNN and the rest");
});

Deno.test("profileSection() traces the committed recognizer on both runtimes", async () => {
  const section = await profileSection("omr-int8", 500);
  const table = (first: string) =>
    section.split("\n\n").find((block) => block.startsWith(first))!.split("\n").slice(2)
      .filter((row) => row !== "");
  const ms = (row: string) => row.split("|").slice(2, 4).map((c) => Number(c.trim()));
  const ops = table("| operator type");
  const total = ms(ops.at(-1)!);
  assert.match(ops.at(-1)!, /all kernels/);
  assert.ok(total.every((x) => x > 0), ops.at(-1));
  const sum = (rows: string[], i: number) => rows.reduce((s, row) => s + ms(row)[i]!, 0);
  for (const rows of [ops.slice(0, -1), table("| part of the model")]) {
    const [w, n] = [sum(rows, 0), sum(rows, 1)];
    assert.ok(Math.abs(w - total[0]!) < 0.1 * rows.length, `web ${w} vs ${total[0]}`);
    assert.ok(Math.abs(n - total[1]!) < 0.1 * rows.length, `node ${n} vs ${total[1]}`);
  }
  assert.ok(ops.some((row) => /^\| ConvInteger \(\d+\)/.test(row)), "the int8 convolutions ran");
});
