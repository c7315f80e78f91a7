/**
 * Page layout: finds every staff on a page by its five lines (horizontal projection of long ink
 * runs), so that each staff can be cropped and recognized on its own.
 *
 * @module
 */
import type { GrayImage } from "./gray_image.ts";
import { darkness, deskew, estimateSkew } from "./staff_image.ts";

/**
 * One staff on a page, in the rows and columns of the page straightened by `skewDegrees` (crop it
 * with {@linkcode cropBand}, which straightens as it crops).
 */
export interface StaffBand {
  /** First row of the band: about four spacings above the top line, or halfway to the staff above. */
  readonly top: number;
  /** Last row of the band: about four spacings below the bottom line, or halfway to the staff below. */
  readonly bottom: number;
  /** First column of the band: the lines' left end less two spacings. */
  readonly left: number;
  /** Last column of the band: the lines' right end plus two spacings. */
  readonly right: number;
  /** Row of the top line's centre (fractional). */
  readonly lineTop: number;
  /** Row of the bottom line's centre (fractional). */
  readonly lineBottom: number;
  /** Distance between neighbouring lines, in pixels. */
  readonly spacing: number;
  /** The page rotation undone before measuring, in degrees (see `estimateSkew`). */
  readonly skewDegrees: number;
}

/** Darkness of a pixel and its darker vertical neighbour together from which it counts as ink. */
const INK = 0.4;
/** Space, in spacings, kept above the top line and below the bottom one (ledger lines, stems). */
const VERTICAL_MARGIN = 4;
/** Space, in spacings, kept left and right of the lines (`prepareStaff` adds a margin of two). */
const HORIZONTAL_MARGIN = 2;
/** Narrowest line spacing resolved: lines thickened by one row each way must stay apart. */
const MIN_SPACING = 4;

interface Line {
  /** Row of the line's centre. */
  readonly centre: number;
  /** Length of long ink runs on the line's strongest row. */
  readonly strength: number;
}

/**
 * The rotation of the page: a coarse search over ±3° on the page at half size (a quarter of
 * the pixels, and the coarse step cannot use more precision), then a fine one at full size
 * around it. A page is wide, so the coarse step's error (up to 0.125°) would let a line drift
 * by rows across it.
 */
function pageSkew(image: GrayImage): number {
  const coarse = estimateSkew(halve(image), 3, 0.25);
  const fine = estimateSkew(deskew(image, coarse), 0.2, 0.05);
  return Math.round((coarse + fine) * 100) / 100;
}

/** `image` at half its width and height, each pixel the mean of a 2x2 block. */
function halve(image: GrayImage): GrayImage {
  const width = image.width >> 1, height = image.height >> 1, source = image.data;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const a = 2 * y * image.width, b = a + image.width;
    for (let x = 0; x < width; x++) {
      const sum = source[a + 2 * x]! + source[a + 2 * x + 1]! + source[b + 2 * x]! +
        source[b + 2 * x + 1]!;
      data[y * width + x] = (sum + 2) >> 2;
    }
  }
  return { width, height, data };
}

/**
 * Per row, the total length of ink runs at least `minRun` long, a pixel counting as ink when it
 * and the darker of the pixels just above and below are dark together: a thin line antialiased
 * over two rows counts, and a line that drifts by a row stays one run. Noteheads, letters and
 * stems make short runs and vanish; staff lines remain.
 */
function longRunProfile(ink: Float32Array, width: number, height: number, minRun: number) {
  const profile = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const above = Math.max(0, y - 1) * width, row = y * width;
    const below = Math.min(height - 1, y + 1) * width;
    let run = 0, total = 0;
    for (let x = 0; x <= width; x++) {
      const on = x < width && ink[row + x]! + Math.max(ink[above + x]!, ink[below + x]!) >= INK;
      if (on) {
        run++;
      } else {
        if (run >= minRun) total += run;
        run = 0;
      }
    }
    profile[y] = total;
  }
  return profile;
}

/** Merges runs of consecutive strong rows into lines (a thick line spans several rows). */
function findLines(profile: Float64Array, minRun: number): Line[] {
  const peak = Math.max(0, ...profile);
  // Relative to the longest line so that long beams and ties stay out; absolute so that a page
  // without lines does not promote its longest stroke.
  const threshold = Math.max(0.15 * peak, 3 * minRun);
  const lines: Line[] = [];
  let weight = 0, sum = 0, strength = 0;
  for (let y = 0; y <= profile.length; y++) {
    const v = profile[y] ?? 0;
    if (v >= threshold) {
      weight += v;
      sum += v * y;
      strength = Math.max(strength, v);
    } else if (weight > 0) {
      lines.push({ centre: sum / weight, strength });
      weight = sum = strength = 0;
    }
  }
  return lines;
}

/** The five lines from `lines[first]` with first gap `gap`, when they are evenly spaced. */
function staffFrom(lines: readonly Line[], first: number, second: number): Line[] | undefined {
  const group = [lines[first]!, lines[second]!];
  let gap = group[1]!.centre - group[0]!.centre;
  for (let k = 2, next = second + 1; k < 5; k++) {
    const target = group[k - 1]!.centre + gap;
    const tolerance = Math.max(1.5, 0.2 * gap);
    // Skips strokes between the lines (a beam, a tie) while looking for the next line.
    while (next < lines.length && lines[next]!.centre < target - tolerance) next++;
    const line = lines[next];
    if (line === undefined || line.centre > target + tolerance) return undefined;
    group.push(line);
    gap = (line.centre - group[0]!.centre) / k;
    next++;
  }
  const mean = (group[4]!.centre - group[0]!.centre) / 4;
  const even = group.slice(1).every((line, k) =>
    Math.abs(line.centre - group[k]!.centre - mean) <= Math.max(1.5, 0.2 * mean)
  );
  // A staff's five lines are about equally long; a beam or a rule is not one of them.
  const strengths = group.map((line) => line.strength);
  return even && Math.min(...strengths) >= 0.5 * Math.max(...strengths) ? group : undefined;
}

/**
 * Every evenly spaced five-line group, then the strongest ones that do not overlap, top to
 * bottom. Trying all groups (not the first that fits) keeps a beam just above a staff from
 * taking the place of its top line.
 */
function groupStaves(lines: readonly Line[], height: number): Line[][] {
  const candidates: { group: Line[]; score: number }[] = [];
  const maxGap = (height - 1) / 4;
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const gap = lines[j]!.centre - lines[i]!.centre;
      if (gap < MIN_SPACING) continue;
      if (gap > maxGap) break;
      const group = staffFrom(lines, i, j);
      if (group) candidates.push({ group, score: group.reduce((a, l) => a + l.strength, 0) });
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const chosen: Line[][] = [];
  for (const { group } of candidates) {
    const top = group[0]!.centre, bottom = group[4]!.centre;
    if (chosen.every((g) => bottom < g[0]!.centre || top > g[4]!.centre)) chosen.push(group);
  }
  return chosen.sort((a, b) => a[0]!.centre - b[0]!.centre);
}

/**
 * The columns the staff's lines cover: where at least four of the five lines have ink, merged
 * across gaps of up to one spacing; the longest such stretch.
 */
function lineExtent(ink: Float32Array, page: GrayImage, group: readonly Line[], spacing: number) {
  const { width, height } = page;
  const rows = group.map((line) => Math.round(line.centre));
  const covered = (x: number) =>
    rows.filter((r) =>
      [r - 1, r, r + 1].some((y) =>
        y >= 1 && y < height - 1 &&
        ink[y * width + x]! + Math.max(ink[(y - 1) * width + x]!, ink[(y + 1) * width + x]!) >= INK
      )
    ).length >= 4;
  let best: [number, number] = [0, -1];
  let start = -1, last = -1;
  for (let x = 0; x <= width; x++) {
    if (x < width && covered(x)) {
      if (start < 0 || x - last > spacing) start = x;
      last = x;
      if (last - start > best[1] - best[0]) best = [start, last];
    }
  }
  return best;
}

/**
 * Finds each staff (five evenly spaced lines) on a page image, top to bottom. The page is
 * straightened first (up to ±3°); rows of long ink runs are the line candidates, and evenly
 * spaced groups of five of about equal length are the staves. Each band reaches about four
 * spacings beyond the outer lines, cut halfway between neighbouring staves so that bands never
 * overlap. Returns `[]` when no staff is found.
 *
 * @example
 * ```ts
 * import { findStaves } from "./page_layout.ts";
 * const width = 400, height = 300;
 * const data = new Uint8Array(width * height).fill(255);
 * for (const top of [60, 200]) {
 *   for (let line = 0; line < 5; line++) data.fill(0, (top + 10 * line) * width + 20, (top + 10 * line) * width + 380);
 * }
 * const staves = findStaves({ width, height, data });
 * console.assert(staves.length === 2 && staves[0]!.lineTop === 60 && staves[1]!.spacing === 10);
 * ```
 */
export function findStaves(image: GrayImage): StaffBand[] {
  if (image.width < 16 || image.height < 4 * MIN_SPACING) return [];
  const skewDegrees = pageSkew(image);
  const page = deskew(image, skewDegrees);
  const ink = darkness(page);
  // Longer than a notehead or a letter at any sensible resolution, shorter than any staff.
  const minRun = Math.max(16, Math.round(page.width / 60));
  const lines = findLines(longRunProfile(ink, page.width, page.height, minRun), minRun);
  const bands = groupStaves(lines, page.height).map((group) => {
    const lineTop = group[0]!.centre, lineBottom = group[4]!.centre;
    const spacing = (lineBottom - lineTop) / 4;
    const [left, right] = lineExtent(ink, page, group, spacing);
    return {
      top: Math.max(0, Math.floor(lineTop - VERTICAL_MARGIN * spacing)),
      bottom: Math.min(page.height - 1, Math.ceil(lineBottom + VERTICAL_MARGIN * spacing)),
      left: Math.max(0, Math.floor(left - HORIZONTAL_MARGIN * spacing)),
      right: Math.min(page.width - 1, Math.ceil(right + HORIZONTAL_MARGIN * spacing)),
      lineTop: Math.round(lineTop * 10) / 10,
      lineBottom: Math.round(lineBottom * 10) / 10,
      spacing: Math.round(spacing * 100) / 100,
      skewDegrees,
    };
  }).filter((band) => band.right > band.left);
  for (let i = 1; i < bands.length; i++) {
    const above = bands[i - 1]!, below = bands[i]!;
    if (above.bottom >= below.top) {
      const middle = Math.floor((above.lineBottom + below.lineTop) / 2);
      above.bottom = middle;
      below.top = middle + 1;
    }
  }
  return bands;
}

/**
 * The pixels of `band` on `image`, the page that {@linkcode findStaves} measured, straightened by
 * the band's `skewDegrees` exactly as `deskew` straightens the whole page (white outside it).
 *
 * @throws {RangeError} when the band is empty or reaches outside the page.
 *
 * @example
 * ```ts
 * import { cropBand } from "./page_layout.ts";
 * const page = { width: 4, height: 3, data: Uint8Array.from({ length: 12 }, (_, i) => i) };
 * const band = { top: 1, bottom: 2, left: 1, right: 2, lineTop: 1, lineBottom: 2, spacing: 1, skewDegrees: 0 };
 * console.assert(cropBand(page, band).data.join() === "5,6,9,10");
 * ```
 */
export function cropBand(image: GrayImage, band: StaffBand): GrayImage {
  const { top, bottom, left, right } = band;
  if (
    ![top, bottom, left, right].every(Number.isInteger) || top < 0 || left < 0 ||
    bottom < top || right < left || bottom >= image.height || right >= image.width
  ) {
    throw new RangeError(
      `Invalid band rows ${top}-${bottom}, columns ${left}-${right}: ` +
        `expected integers within the ${image.width}x${image.height} page`,
    );
  }
  const width = right - left + 1, height = bottom - top + 1;
  const slope = Math.tan(band.skewDegrees * Math.PI / 180);
  const out = new Uint8Array(width * height).fill(255);
  for (let x = 0; x < width; x++) {
    const column = left + x;
    // The same shear about the page's centre column as `deskew`, so rows match the page's.
    const shift = band.skewDegrees === 0 ? 0 : (column - image.width / 2) * slope;
    for (let y = 0; y < height; y++) {
      const source = top + y + shift;
      const y0 = Math.floor(source), f = source - y0;
      if (y0 < 0 || y0 >= image.height) continue;
      const upper = image.data[y0 * image.width + column]!;
      out[y * width + x] = f === 0 ? upper : y0 + 1 >= image.height ? 255 : Math.round(
        upper * (1 - f) + image.data[(y0 + 1) * image.width + column]! * f,
      );
    }
  }
  return { width, height, data: out };
}
