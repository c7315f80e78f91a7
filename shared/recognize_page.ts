/**
 * Whole-page recognition without HTTP: find the page's staves, recognize each on its own, and
 * join their semantic tokens into one score.
 *
 * @module
 */
import type { GrayImage } from "./image/gray_image.ts";
import { cropBand, findStaves, type StaffBand } from "./image/page_layout.ts";
import type { ModelRegistry } from "./models/mod.ts";
import { combineStaves } from "./music/combine_staves.ts";
import { Problem } from "./problem.ts";
import { type Recognition, type RecognizeOptions, recognizeStaffImage } from "./recognize.ts";

/** Options of {@linkcode recognizePage}: those of one staff, less the decoder's pixel limit. */
export type RecognizePageOptions = Omit<RecognizeOptions, "maxPixels">;

/** One staff of a page: its recognition and where it is on the page. */
export type PageStaff = Recognition & {
  /** The staff's band on the page (see `findStaves`). */
  readonly band: StaffBand;
};

/** What {@linkcode recognizePage} returns. */
export interface PageRecognition {
  /** The staves in reading order (top to bottom). */
  readonly staves: readonly PageStaff[];
  /** The whole page as one score. */
  readonly combined: {
    /** The staves' semantic tokens joined by `combineStaves`. */
    readonly semantic: string[];
  };
  /** Milliseconds spent finding the staves, recognizing them, and in all. */
  readonly timing: {
    readonly layoutMs: number;
    readonly recognitionMs: number;
    readonly totalMs: number;
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Recognizes every staff on a page image with the registry's model, top to bottom. Staves are
 * recognized one after another: each is a full inference, and running them at once would only
 * compete for the same cores.
 *
 * @throws {Problem} 422 when the page holds no staff (or a found staff cannot be read).
 *
 * @example
 * ```ts ignore
 * const page = await recognizePage(gray, services.models, { model: "omr-lowrank-int8", decoder: "greedy", beamWidth: 8 });
 * console.log(page.combined.semantic.join(" "));
 * ```
 */
export async function recognizePage(
  gray: GrayImage,
  models: ModelRegistry,
  options: RecognizePageOptions,
): Promise<PageRecognition> {
  const t0 = performance.now();
  const bands = findStaves(gray);
  const t1 = performance.now();
  if (bands.length === 0) {
    throw new Problem(
      422,
      "No staff found on the page: it has no five evenly spaced staff lines",
      { slug: "no-staff" },
    );
  }
  const staves: PageStaff[] = [];
  for (const band of bands) {
    options.signal?.throwIfAborted();
    const recognition = await recognizeStaffImage(cropBand(gray, band), models, options);
    staves.push({ ...recognition, band });
  }
  const t2 = performance.now();
  const semantic = combineStaves(
    staves.map((staff) => staff.semantic?.tokens.map((t) => t.token) ?? []),
  );
  return {
    staves,
    combined: { semantic },
    timing: { layoutMs: round(t1 - t0), recognitionMs: round(t2 - t1), totalMs: round(t2 - t0) },
  };
}
