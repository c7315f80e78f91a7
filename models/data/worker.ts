/**
 * @module Generator worker: parses source files into the cache, or makes samples by index.
 */
/// <reference lib="deno.worker" />
import { Verovio } from "../../shared/music/verovio.ts";
import { type GenContext, makeSample, type Pools } from "./generate.ts";
import { initRenderer } from "./render.ts";
import { loadSourceFile, type SourceFile } from "./sources.ts";

/** Messages a worker accepts. */
export type WorkerRequest =
  | { type: "parse"; root: string; cacheDir: string; files: SourceFile[] }
  | { type: "init"; seed: number; root: string; cacheDir: string; outDir: string; pools: Pools }
  | { type: "gen"; indices: number[] };

/** Per-piece summary sent back after parsing. */
export interface PieceSummary {
  file: string;
  key: string;
  tune: number;
  voices: number;
  measures: number;
  error?: string;
}

let vrv: Verovio | undefined;
let ctx: GenContext | undefined;

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  try {
    vrv ??= await Verovio.create();
    if (msg.type === "parse") {
      for (const file of msg.files) {
        const pieces = await loadSourceFile(vrv, msg.root, msg.cacheDir, file);
        const summaries: PieceSummary[] = pieces.map((p) => ({
          file: file.rel,
          key: p.key,
          tune: p.tune,
          voices: p.voices.length,
          measures: p.voices.reduce((s, v) => s + v.measures.length, 0),
          error: p.error,
        }));
        self.postMessage({ type: "parsed", file: file.rel, summaries });
      }
      self.postMessage({ type: "parse-done" });
    } else if (msg.type === "init") {
      // Start generation on a fresh module: parsing may have hit WASM exceptions.
      vrv = await Verovio.create();
      ctx = { vrv, font: await initRenderer(), lru: new Map(), ...msg };
      self.postMessage({ type: "ready" });
    } else {
      if (!ctx) throw new Error("Worker got samples before init");
      for (const i of msg.indices) {
        self.postMessage({ type: "sample", info: await makeSample(ctx, i) });
      }
      self.postMessage({ type: "chunk-done" });
    }
  } catch (err) {
    self.postMessage({
      type: "error",
      message: err instanceof Error ? err.stack ?? err.message : String(err),
    });
  }
};
