/**
 * The OMR training job end to end: Python unit tests, then a smoke training run on a handful
 * of staves from the data pipeline (checkpoint, metrics row, exported ONNX + manifest entries)
 * and a resume that continues the step count.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { parseManifest } from "../../../shared/models/manifest.ts";
import { sha256Hex } from "../../../shared/sha256.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";
const PIPELINE = `${ROOT}models/data/omr.ts`;
/** One real ABC collection: enough staves for a smoke run, parsed in seconds (not all sources). */
const SOURCE = new URL("../../../../shared/data/melodies/irish-folk/0001-0050.abc", import.meta.url)
  .pathname;
const TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";

async function run(cmd: string, args: string[]): Promise<string> {
  const env: Record<string, string> = existsSync(TCMALLOC) ? { LD_PRELOAD: TCMALLOC } : {};
  const { code, stdout, stderr } = await new Deno.Command(cmd, { args, cwd: ROOT, env }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${cmd} ${args.join(" ")} failed:\n${text.slice(-4000)}`);
  return text;
}

const pythonReady = await new Deno.Command(PYTHON, { args: ["-c", "import torch, onnx, PIL"] })
  .output().then((r) => r.success, () => false);
if (!pythonReady) console.warn(`omr training tests skipped: ${PYTHON} lacks torch, onnx or PIL`);

Deno.test({
  name: "models/train Python unit tests pass (SRU forms, shapes, CTC, config)",
  ignore: !pythonReady,
  async fn() {
    await run(PYTHON, ["-m", "unittest", "discover", "-s", "models/train/tests", "-t", "."]);
  },
});

Deno.test({
  name: "omr smoke training checkpoints, logs, exports and resumes",
  ignore: !pythonReady || !existsSync(PIPELINE),
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "omr_train_" });
    try {
      // The data pipeline; with 12 staves every one may land in train, so validate on train.
      await Deno.mkdir(`${tmp}/src/irish-folk`, { recursive: true });
      await Deno.copyFile(SOURCE, `${tmp}/src/irish-folk/0001-0050.abc`);
      await run(Deno.execPath(), [
        "run",
        "-A",
        PIPELINE,
        "--out",
        `${tmp}/data`,
        "--count",
        "12",
        "--seed",
        "3",
        "--sources",
        `${tmp}/src`,
        "--cache",
        `${tmp}/cache`,
      ]);
      const base = [
        "-m",
        "models.train.omr",
        "--config",
        "models/train/configs/omr_smoke.json",
        "--set",
        `data_dir=${tmp}/data`,
        "--set",
        `out_dir=${tmp}/train`,
        "--set",
        "val_split=train",
        "--set",
        `export_dir=${tmp}/export`,
        "--set",
        `manifest=${tmp}/export/manifest.json`,
      ];
      const first = await run(PYTHON, [...base, "--set", "epochs=1"]);
      const run1 = `${tmp}/train/smoke`;
      assert.ok(existsSync(`${run1}/last.pt`), first);
      assert.ok(existsSync(`${run1}/best.pt`), first);
      const rows = (await Deno.readTextFile(`${run1}/metrics.csv`)).trim().split("\n");
      assert.equal(rows.length, 2, rows.join("\n"));
      const header = rows[0]!.split(",");
      const row = Object.fromEntries(rows[1]!.split(",").map((v, i) => [header[i], v]));
      assert.ok(Number(row.step) > 0);
      assert.ok(Number.isFinite(Number(row.train_loss)), rows[1]);
      assert.ok(Number(row.val_ser_semantic) >= 0, rows[1]);
      const manifest = parseManifest(
        JSON.parse(await Deno.readTextFile(`${tmp}/export/manifest.json`)),
      );
      assert.deepEqual(manifest.models.map((m) => m.name), ["omr-smoke", "omr-smoke-int8"]);
      for (const entry of manifest.models) {
        assert.equal(entry.task, "omr");
        const bytes = await Deno.readFile(`${tmp}/export/${entry.file}`);
        assert.equal(bytes.length, entry.bytes);
        assert.equal(entry.sha256, await sha256Hex(bytes));
        assert.equal(entry.vocabularies?.semantic?.[0], "<blank>");
        assert.equal(entry.outputs[0]!.shape[2], entry.vocabularies!.semantic!.length);
      }
      assert.equal(manifest.models[1]!.variantOf, "omr-smoke");

      const second = await run(PYTHON, [...base, "--set", "epochs=2", "--resume"]);
      assert.match(second, new RegExp(`resumed at epoch 1, step ${row.step}, batch 0`));
      const after = (await Deno.readTextFile(`${run1}/metrics.csv`)).trim().split("\n");
      assert.equal(after.length, 3, after.join("\n"));
      const step2 = Number(after[2]!.split(",")[header.indexOf("step")]);
      assert.equal(after[2]!.split(",")[0], "1");
      assert.ok(step2 > Number(row.step), `step ${step2} after ${row.step}`);

      // A warm start: the weights of that run, a fresh schedule, a new run folder.
      const warm = await run(PYTHON, [
        ...base,
        "--set",
        "epochs=1",
        "--set",
        "run_name=warm",
        "--set",
        `init_from=${run1}/best.pt`,
      ]);
      assert.match(warm, /weights from .*best\.pt/);
      // The bar is the starting weights' own validation score, not infinity.
      const bar = Number(/best to beat ([\d.]+)/.exec(warm)?.[1]);
      assert.ok(Number.isFinite(bar), warm);
      const warmRows = (await Deno.readTextFile(`${tmp}/train/warm/metrics.csv`)).trim().split(
        "\n",
      );
      assert.equal(warmRows.length, 2, warmRows.join("\n"));

      // A step budget that stops mid-epoch still validates, so the run's progress is measured.
      const stopped = await run(PYTHON, [
        ...base,
        "--set",
        "epochs=3",
        "--set",
        "run_name=stopped",
        "--set",
        "max_steps=1",
      ]);
      const stoppedRows = (await Deno.readTextFile(`${tmp}/train/stopped/metrics.csv`)).trim()
        .split("\n");
      assert.equal(stoppedRows.length, 2, stopped);
      const stoppedRow = stoppedRows[1]!.split(",");
      assert.equal(stoppedRow[header.indexOf("step")], "1");
      const stoppedSer = stoppedRow[header.indexOf("val_ser_semantic")]!;
      assert.ok(stoppedSer !== "" && Number(stoppedSer) >= 0, stoppedRows[1]);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
