/**
 * @module Makes one labelled staff sample end to end: draw, excerpt, tokens, MEI, render, write atomically.
 */
import { meiToAgnostic } from "../../shared/music/mei_to_agnostic.ts";
import { meiToSemantic } from "../../shared/music/mei_to_semantic.ts";
import {
  formatLabelFile,
  formatToken,
  parseLabelFile,
} from "../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../shared/music/tokens_to_mei.ts";
import { type Verovio, VerovioError } from "../../shared/music/verovio.ts";
import { cameraImage, drawCamera } from "./camera.ts";
import { drawEngraving, drawLayout } from "./engrave.ts";
import { CLEF_WEIGHTS, cutExcerpt, ExcerptRejected } from "./excerpt.ts";
import { rngFor } from "../../shared/prng.ts";
import { rasterize } from "./render.ts";
import { loadSourceFile, type ParsedPiece, type SourceFile } from "./sources.ts";
import { piecePoolOf, sampleSplit, type Split } from "./split.ts";

/** A piece that can be drawn from: where it lives and which split it belongs to. */
export interface PieceRef {
  key: string;
  style: string;
  file: SourceFile;
  tune: number;
}

/** Pieces available per piece split and style. */
export type Pools = Record<"train" | "val" | "test", Record<string, PieceRef[]>>;

/** Relative draw weight of each style folder (the extra folk sets count half). */
export const STYLE_WEIGHTS: Record<string, number> = {
  "irish-folk": 1,
  "bach-chorale": 1,
  renaissance: 1,
  classical: 1,
  medieval: 1,
  "extra-american-fiddle": 0.5,
  "extra-nottingham-folk": 0.5,
};

/** What one sample contributed, for the manifest. */
export interface SampleInfo {
  index: number;
  split: Split;
  semantic: string[];
  agnostic: string[];
  width: number;
  height: number;
  piece: string;
  style: string;
  /** Excerpt redraws, by reason. */
  rejections: Record<string, number>;
  /** True when the files were already there (resumed run). */
  resumed: boolean;
}

/** Everything a generator process needs. */
export interface GenContext {
  vrv: Verovio;
  font: Uint8Array | undefined;
  seed: number;
  root: string;
  cacheDir: string;
  outDir: string;
  pools: Pools;
  /** Small LRU of parsed source files by relative path. */
  lru: Map<string, ParsedPiece[]>;
}

const EXTS = ["png", "semantic", "agnostic", "mei"] as const;

/** File name stem of sample `index`. */
export function sampleId(index: number): string {
  return String(index).padStart(7, "0");
}

async function pieceOf(ctx: GenContext, ref: PieceRef): Promise<ParsedPiece | undefined> {
  let file = ctx.lru.get(ref.file.rel);
  if (file) ctx.lru.delete(ref.file.rel);
  else file = await loadSourceFile(ctx.vrv, ctx.root, ctx.cacheDir, ref.file);
  ctx.lru.set(ref.file.rel, file);
  if (ctx.lru.size > 48) ctx.lru.delete(ctx.lru.keys().next().value!);
  return file[ref.tune];
}

/** Reads back a finished sample (resume), or undefined if any of its files is missing. */
function readDone(dir: string, id: string, index: number, split: Split): SampleInfo | undefined {
  try {
    const sem = Deno.readTextFileSync(`${dir}/${id}.semantic`);
    const agn = Deno.readTextFileSync(`${dir}/${id}.agnostic`);
    const mei = Deno.readTextFileSync(`${dir}/${id}.mei`);
    const png = Deno.readFileSync(`${dir}/${id}.png`);
    const view = new DataView(png.buffer, png.byteOffset);
    const m = /source="([^"]*)" style="([^"]*)"/.exec(mei);
    return {
      index,
      split,
      semantic: parseLabelFile(sem),
      agnostic: parseLabelFile(agn),
      width: view.getUint32(16),
      height: view.getUint32(20),
      piece: m?.[1] ?? "",
      style: m?.[2] ?? "",
      rejections: {},
      resumed: true,
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Writes a file under a temporary name and renames it, so no reader ever sees half a file. */
function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
  else Deno.writeFileSync(tmp, data);
  Deno.renameSync(tmp, path);
}

/**
 * Makes sample `index` (or reads it back if all its files exist). All randomness comes from
 * (seed, index), so the result does not depend on which worker makes it.
 */
export async function makeSample(ctx: GenContext, index: number): Promise<SampleInfo> {
  const split = sampleSplit(index);
  const dir = `${ctx.outDir}/${split}`;
  const id = sampleId(index);
  const done = readDone(dir, id, index, split);
  if (done) return done;

  const rng = rngFor(ctx.seed, index, "music");
  const pool = ctx.pools[piecePoolOf(split)];
  // Listed styles in STYLE_WEIGHTS order (draws depend on it), then unlisted folders (weight 1), sorted.
  const styles = [
    ...Object.keys(STYLE_WEIGHTS),
    ...Object.keys(pool).filter((s) => !(s in STYLE_WEIGHTS)).sort(),
  ];
  const weights = Object.fromEntries(
    styles.filter((s) => (pool[s]?.length ?? 0) > 0).map((s) => [s, STYLE_WEIGHTS[s] ?? 1]),
  );
  if (Object.keys(weights).length === 0) {
    throw new RangeError(`No source pieces in the ${split} split`);
  }
  const rejections: Record<string, number> = {};
  for (let attempt = 0; attempt < 200; attempt++) {
    const style = rng.weighted(weights);
    const ref = rng.pick(pool[style]!);
    const piece = await pieceOf(ctx, ref);
    if (!piece || piece.voices.length === 0) continue;
    const vi = rng.int(0, piece.voices.length - 1);
    const voice = piece.voices[vi]!;
    const fifths = rng.int(-7, 7);
    const clef = rng.weighted(CLEF_WEIGHTS);
    let ex;
    try {
      ex = cutExcerpt(voice, rng, fifths, clef);
    } catch (e) {
      if (!(e instanceof ExcerptRejected)) throw e;
      rejections[e.reason] = (rejections[e.reason] ?? 0) + 1;
      continue;
    }
    const engraving = drawEngraving(ex, rngFor(ctx.seed, index, "engrave"), ctx.font !== undefined);
    const layout = drawLayout(rngFor(ctx.seed, index, "layout"));
    const semantic = ex.tokens.map(formatToken);
    const mei = tokensToMei(ex.tokens, engraving);
    // The label is proved, not assumed: the MEI we render must read back to the same tokens.
    const back = meiToSemantic(mei);
    if (back.join(" ") !== semantic.join(" ")) {
      // A converter bug: never write the sample; log it, count it in the manifest, draw again.
      const at = semantic.findIndex((t, k) => t !== back[k]);
      console.error(
        `label round trip failed for sample ${index} (${piece.key}) at token ${at}: ` +
          `"${semantic.slice(at - 3, at + 3).join(" ")}" became "${
            back.slice(at - 3, at + 3).join(" ")
          }"`,
      );
      rejections["label round trip failed"] = (rejections["label round trip failed"] ?? 0) + 1;
      continue;
    }
    const agnostic = meiToAgnostic(mei);
    let svg: string;
    try {
      svg = await ctx.vrv.renderStaffSvg(mei, layout);
    } catch (e) {
      if (!(e instanceof VerovioError)) throw e;
      // Rare Verovio crashes on odd engravings: log the MEI's source and redraw.
      console.error(`render failed for sample ${index} (${piece.key}): ${e.message}`);
      if (Deno.env.get("STAVE_OMR_DEBUG")) {
        Deno.writeTextFileSync(`${ctx.outDir}/failed-${index}.mei`, mei);
      }
      rejections["render failed"] = (rejections["render failed"] ?? 0) + 1;
      continue;
    }
    let raster = rasterize(svg, ctx.font, { pixels: split === "test_camera" });
    if (split === "test_camera") {
      const cam = drawCamera(rngFor(ctx.seed, index, "camera"));
      const noise = rngFor(ctx.seed, index, "noise");
      raster = await cameraImage(raster.pixels!, raster.width, raster.height, cam, noise);
    }
    const source =
      `<!-- stave-omr source="${piece.key}" style="${ref.style}" file="${ref.file.rel}" ` +
      `voice="${voice.staff}/${voice.layer}" measures="${ex.startMeasure + 1}-${
        ex.startMeasure + ex.measures
      }" ` +
      `transpose="${ex.transpose}" font="${layout.font}" -->`;
    Deno.mkdirSync(dir, { recursive: true });
    writeAtomic(`${dir}/${id}.semantic`, formatLabelFile(semantic));
    writeAtomic(`${dir}/${id}.agnostic`, formatLabelFile(agnostic));
    // Provenance goes inside <meiHead>: Verovio takes a leading comment for the root element.
    writeAtomic(`${dir}/${id}.mei`, mei.replace("<meiHead>", "<meiHead>" + source));
    writeAtomic(`${dir}/${id}.png`, raster.png);
    return {
      index,
      split,
      semantic,
      agnostic,
      width: raster.width,
      height: raster.height,
      piece: piece.key,
      style: ref.style,
      rejections,
      resumed: false,
    };
  }
  throw new Error(`Could not draw a usable excerpt for sample ${index} after 200 attempts`);
}

export { EXTS as SAMPLE_EXTENSIONS };
