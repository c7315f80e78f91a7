/**
 * @module CLI: `deno task data:omr --out data/omr --count N --seed S` renders labelled PrIMuS-style staves.
 */
import { parseVocabulary } from "../../shared/music/semantic_tokens.ts";
import type { PieceRef, Pools, SampleInfo } from "./generate.ts";
import { measureFraming } from "./framing.ts";
import { buildManifest } from "./manifest.ts";
import { IMAGE_HEIGHT } from "./render.ts";
import { listSourceFiles, type SourceFile } from "./sources.ts";
import { pieceSplit } from "./split.ts";
import type { PieceSummary, WorkerRequest } from "./worker.ts";

/** Command-line options. */
export interface OmrOptions {
  out: string;
  count: number;
  seed: number;
  workers: number;
  sources: string;
  cache: string;
  primus: string;
}

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Parses `--key value` arguments; unknown keys and bad numbers are errors. */
export function parseArgs(args: string[]): OmrOptions {
  const o: OmrOptions = {
    out: "",
    count: 0,
    seed: 1,
    workers: 2,
    sources: `${ROOT}/../shared/data/melodies`,
    cache: `${ROOT}/data/.cache/omr-sources`,
    primus: `${ROOT}/../shared/data/primus`,
  };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]!.replace(/^--/, "");
    const value = args[i + 1];
    if (value === undefined) throw new TypeError(`Missing value for "--${key}"`);
    if (!(key in o)) throw new TypeError(`Unknown option "--${key}"`);
    if (key === "count" || key === "seed" || key === "workers") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === "seed" ? 0 : 1)) {
        throw new RangeError(`Invalid --${key} "${value}"`);
      }
      (o as unknown as Record<string, number>)[key] = n;
    } else (o as unknown as Record<string, string>)[key] = value;
  }
  if (!o.out) throw new TypeError("Missing --out");
  if (!o.count) throw new TypeError("Missing --count");
  return o;
}

function spawn(n: number): Worker[] {
  return Array.from(
    { length: n },
    () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }),
  );
}

/** Sends requests to a worker and resolves when `doneType` comes back; forwards other messages. */
function ask(
  w: Worker,
  req: WorkerRequest,
  doneType: string,
  onMsg: (m: Record<string, unknown>) => void,
) {
  return new Promise<void>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<Record<string, unknown>>) => {
      const m = e.data;
      if (m.type === "error") reject(new Error(`Worker failed: ${m.message}`));
      else if (m.type === doneType) resolve();
      else onMsg(m);
    };
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`Worker crashed: ${e.message}`));
    };
    w.postMessage(req);
  });
}

/** Deletes `*.tmp` files an interrupted run left in the split folders (finished samples never have one). */
function removeStaleTemporaries(out: string): void {
  for (const split of ["train", "val", "test", "test_camera"]) {
    try {
      for (const e of Deno.readDirSync(`${out}/${split}`)) {
        if (e.isFile && e.name.endsWith(".tmp")) Deno.removeSync(`${out}/${split}/${e.name}`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/** Runs the whole pipeline and returns the manifest written to `<out>/manifest.json`. */
export async function runOmr(o: OmrOptions): Promise<ReturnType<typeof buildManifest>> {
  const t0 = performance.now();
  const files = listSourceFiles(o.sources);
  const workers = spawn(o.workers);
  try {
    // 1. Parse every source file once (cached across runs), split over the workers.
    const pieces: PieceSummary[] = [];
    const byRel = new Map(files.map((f) => [f.rel, f]));
    await Promise.all(workers.map((w, k) =>
      ask(
        w,
        {
          type: "parse",
          root: o.sources,
          cacheDir: o.cache,
          files: files.filter((_, i) => i % o.workers === k),
        },
        "parse-done",
        (m) => pieces.push(...(m.summaries as PieceSummary[])),
      )
    ));
    pieces.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.tune - b.tune));
    for (const p of pieces.filter((p) => p.error)) {
      console.error(`skip ${p.file}${p.tune ? ` tune ${p.tune}` : ""}: ${p.error}`);
    }
    const pools: Pools = { train: {}, val: {}, test: {} };
    const splitOf: Record<string, string> = {};
    const styleOf: Record<string, string> = {};
    for (const p of pieces) {
      if (p.error || p.voices === 0) continue;
      const file = byRel.get(p.file) as SourceFile;
      const split = pieceSplit(p.key);
      splitOf[p.key] = split;
      styleOf[p.key] = file.style;
      const ref: PieceRef = { key: p.key, style: file.style, file, tune: p.tune };
      (pools[split][file.style] ??= []).push(ref);
    }
    const tParsed = performance.now();
    console.error(
      `sources: ${files.length} files, ${pieces.length} pieces in ${
        ((tParsed - t0) / 1000).toFixed(1)
      } s`,
    );

    // 2. Make samples in chunks handed out on demand; results do not depend on who makes them.
    await Promise.all(
      workers.map((w) =>
        ask(
          w,
          { type: "init", seed: o.seed, root: o.sources, cacheDir: o.cache, outDir: o.out, pools },
          "ready",
          () => {},
        )
      ),
    );
    removeStaleTemporaries(o.out);
    const samples: SampleInfo[] = [];
    let next = 0;
    let made = 0;
    const chunk = 25;
    const tGen = performance.now();
    await Promise.all(workers.map(async (w) => {
      while (next < o.count) {
        const from = next;
        next = Math.min(o.count, next + chunk);
        const indices = Array.from({ length: next - from }, (_, j) => from + j);
        await ask(w, { type: "gen", indices }, "chunk-done", (m) => {
          const info = m.info as SampleInfo;
          samples.push(info);
          if (!info.resumed) made++;
          if (samples.length % 500 === 0) {
            const s = (performance.now() - tGen) / 1000;
            console.error(`${samples.length}/${o.count} staves, ${(made / s).toFixed(1)} made/s`);
          }
        });
      }
    }));
    const seconds = (performance.now() - tGen) / 1000;
    const semantic = parseVocabulary(Deno.readTextFileSync(`${o.primus}/vocabulary_semantic.txt`));
    const agnostic = parseVocabulary(Deno.readTextFileSync(`${o.primus}/vocabulary_agnostic.txt`));
    const manifest = buildManifest(samples, {
      seed: o.seed,
      count: o.count,
      imageHeight: IMAGE_HEIGHT,
      sourcesRoot: o.sources,
      pieces,
      pieceSplit: splitOf,
      pieceStyle: styleOf,
      vocabulary: { semantic, agnostic },
      seconds,
      made,
      workers: o.workers,
    });
    // Where the staff sits in the images, measured by the staff finder inference uses.
    const framing = (manifest.splits.train ?? 0) > 0
      ? await measureFraming(o.out, "train", 500)
      : undefined;
    const tmp = `${o.out}/manifest.json.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify({ ...manifest, framing }, null, 1));
    Deno.renameSync(tmp, `${o.out}/manifest.json`);
    console.error(
      `done: ${samples.length} staves (${made} made) in ${
        seconds.toFixed(1)
      } s, ${manifest.run.stavesPerSecond} staves/s`,
    );
    return manifest;
  } finally {
    for (const w of workers) w.terminate();
  }
}

if (import.meta.main) {
  try {
    await runOmr(parseArgs(Deno.args));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    Deno.exit(1);
  }
}
