/**
 * Staff preprocessing for recognition: find the ink, straighten small rotations, find the staff
 * by its five lines, crop it with the margins the model was trained with, stretch contrast and
 * resize to the model's input height.
 *
 * @module
 */
import { Problem } from "../problem.ts";
import type { GrayImage } from "./gray_image.ts";

/** How the model wants its staff framed (from the manifest's `preprocess`). */
export interface StaffFraming {
  /** Input height in pixels. */
  readonly height: number;
  /** Staff height (top line to bottom line) as a fraction of the image height in training. */
  readonly staffFraction: number;
  /** Where the staff's centre sits, as a fraction of the image height from the top. */
  readonly staffCentre: number;
  /** Widest input accepted; a wider staff is squeezed to it. */
  readonly maxWidth: number;
  /**
   * The contrast normalisation the training images had: `none` (as rendered or photographed)
   * or `stretch` ({@linkcode stretchContrast}). Serving must match training: stretching the
   * grey paper of photos the model learned to read as they are costs it accuracy.
   */
  readonly contrast: "none" | "stretch";
}

/** A staff found on an image: the rows of its outer lines and its ink's column extent. */
export interface StaffLocation {
  /** Row of the top line. */
  readonly top: number;
  /** Row of the bottom line. */
  readonly bottom: number;
  /** First column with ink in the staff's band. */
  readonly left: number;
  /** Last column with ink in the staff's band. */
  readonly right: number;
}

/** Otsu's threshold of an 8-bit image: the level that best splits ink from paper. */
export function otsuThreshold(image: GrayImage): number {
  const histogram = new Float64Array(256);
  for (const v of image.data) histogram[v]! += 1;
  const total = image.data.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * histogram[v]!;
  let best = 127, bestVariance = -1, weight = 0, sum = 0;
  for (let t = 0; t < 255; t++) {
    weight += histogram[t]!;
    sum += t * histogram[t]!;
    if (weight === 0 || weight === total) continue;
    const mean0 = sum / weight, mean1 = (sumAll - sum) / (total - weight);
    const variance = weight * (total - weight) * (mean0 - mean1) ** 2;
    if (variance > bestVariance) [bestVariance, best] = [variance, t];
  }
  return best;
}

/** Rows' ink counts after shearing columns by `slope` (rows per column). */
function shearedProfile(ink: Float32Array, width: number, height: number, slope: number) {
  const profile = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    const shift = Math.round((x - width / 2) * slope);
    for (let y = 0; y < height; y++) {
      const row = y - shift;
      if (row >= 0 && row < height) profile[row]! += ink[y * width + x]!;
    }
  }
  return profile;
}

/**
 * Per pixel, how dark it is between the paper's level (0) and the ink's (1). Thin antialiased
 * staff lines are grey: weighing them beats thresholding them away.
 */
export function darkness(image: GrayImage): Float32Array {
  const [paper, ink] = levels(image, otsuThreshold(image));
  const span = Math.max(1, paper - ink);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = Math.min(1, Math.max(0, (paper - v) / span));
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = table[image.data[i]!]!;
  return out;
}

/**
 * The rotation, in degrees within ±`maxDegrees`, that makes the staff lines horizontal: the
 * shear that makes the row profile of the ink sharpest (largest sum of squares).
 */
export function estimateSkew(image: GrayImage, maxDegrees = 5, stepDegrees = 0.25): number {
  const ink = darkness(image);
  let best = 0, bestScore = -1;
  for (let degrees = -maxDegrees; degrees <= maxDegrees + 1e-9; degrees += stepDegrees) {
    const profile = shearedProfile(
      ink,
      image.width,
      image.height,
      Math.tan(degrees * Math.PI / 180),
    );
    let score = 0;
    for (const v of profile) score += v * v;
    if (score > bestScore) [bestScore, best] = [score, degrees];
  }
  return best;
}

/** Undoes a small rotation of `degrees` by shearing columns back (white fills the gaps). */
export function deskew(image: GrayImage, degrees: number): GrayImage {
  if (degrees === 0) return image;
  const { width, height, data } = image;
  const slope = Math.tan(degrees * Math.PI / 180);
  const out = new Uint8Array(width * height).fill(255);
  for (let x = 0; x < width; x++) {
    const shift = (x - width / 2) * slope;
    for (let y = 0; y < height; y++) {
      const source = y + shift;
      const y0 = Math.floor(source), f = source - y0;
      if (y0 < 0 || y0 + 1 >= height) continue;
      out[y * width + x] = Math.round(
        data[y0 * width + x]! * (1 - f) + data[(y0 + 1) * width + x]! * f,
      );
    }
  }
  return { width, height, data: out };
}

/**
 * Median levels of the pixels above (paper) and at or below (ink) `threshold`; a side with no
 * pixels takes the other side's level, so a flat image has no contrast.
 */
function levels(image: GrayImage, threshold: number): [number, number] {
  const histogram = new Float64Array(256);
  for (const v of image.data) histogram[v]! += 1;
  const median = (from: number, to: number): number | undefined => {
    let total = 0;
    for (let v = from; v <= to; v++) total += histogram[v]!;
    let seen = 0;
    for (let v = from; v <= to; v++) {
      seen += histogram[v]!;
      if (total > 0 && seen >= total / 2) return v;
    }
    return undefined;
  };
  const paper = median(threshold + 1, 255);
  const ink = median(0, threshold);
  return [paper ?? ink!, ink ?? paper!];
}

/**
 * Finds the staff: five evenly spaced rows of long ink runs. With several staves, the one with
 * the most line ink wins.
 *
 * @throws {Problem} 422 when no five-line staff is found.
 */
export function findStaff(image: GrayImage): StaffLocation {
  const { width, height, data } = image;
  const threshold = otsuThreshold(image);
  const ink = darkness(image);
  const reach = Math.max(2, Math.round(height / 40));
  const floor = verticalMin(ink, width, height, reach);
  // A row's line coverage: the share of columns where it is clearly darker than the lightest
  // pixel a few rows above or below. Staff lines cover most of the staff's width however faint
  // or thin they are; notes, stems, beams and text cover much less.
  const coverage = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    let count = 0;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (ink[i]! - floor[i]! >= 0.15) count++;
    }
    coverage[y] = count / width;
  }
  // Merge runs of consecutive rows into lines: a thin line drawn between two pixel rows, or a
  // thick one, spans several rows.
  const peak = Math.max(...coverage);
  const lines: { centre: number; weight: number; end: number }[] = [];
  for (let y = 0; y < height; y++) {
    const c = coverage[y]!;
    if (c < Math.max(0.5 * peak, 0.1)) continue;
    const last = lines.at(-1);
    if (last !== undefined && y === last.end + 1) {
      last.centre = (last.centre * last.weight + y * c) / (last.weight + c);
      last.weight += c;
      last.end = y;
    } else {
      lines.push({ centre: y, weight: c, end: y });
    }
  }
  let best: { top: number; bottom: number; weight: number } | undefined;
  for (let i = 0; i + 4 < lines.length; i++) {
    const group = lines.slice(i, i + 5);
    const gaps = group.slice(1).map((line, k) => line.centre - group[k]!.centre);
    const mean = gaps.reduce((a, b) => a + b, 0) / 4;
    if (mean < 3 || gaps.some((g) => Math.abs(g - mean) > Math.max(1.5, 0.2 * mean))) continue;
    const weight = group.reduce((a, line) => a + line.weight, 0);
    if (best === undefined || weight > best.weight) {
      best = { top: group[0]!.centre, bottom: group[4]!.centre, weight };
    }
  }
  if (best === undefined) {
    throw noStaff("the image has no five evenly spaced staff lines");
  }
  const top = Math.round(best.top), bottom = Math.round(best.bottom);
  // Horizontal extent: columns with ink inside the staff band.
  let left = width, right = -1;
  for (let x = 0; x < width; x++) {
    for (let y = top; y <= bottom; y++) {
      if (data[y * width + x]! <= threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        break;
      }
    }
  }
  return { top, bottom, left, right };
}

/** Per pixel, the least value within `reach` rows above or below (a sliding minimum per column). */
function verticalMin(values: Float32Array, width: number, height: number, reach: number) {
  const out = new Float32Array(values.length);
  const queue = new Int32Array(height); // rows whose values increase, front is the minimum
  for (let x = 0; x < width; x++) {
    let head = 0, tail = 0, next = 0;
    for (let y = 0; y < height; y++) {
      for (; next <= Math.min(height - 1, y + reach); next++) {
        const v = values[next * width + x]!;
        while (tail > head && values[queue[tail - 1]! * width + x]! >= v) tail--;
        queue[tail++] = next;
      }
      while (queue[head]! < y - reach) head++;
      out[y * width + x] = values[queue[head]! * width + x]!;
    }
  }
  return out;
}

/** Resamples rows and columns with a triangle filter widened when shrinking (antialiased). */
export function resize(image: GrayImage, width: number, height: number): GrayImage {
  const horizontal = resample1d(image.data, image.width, image.height, width, true);
  const data = resample1d(horizontal, width, image.height, height, false);
  return { width, height, data: Uint8Array.from(data, (v) => Math.round(v)) };
}

function resample1d(
  source: ArrayLike<number>,
  width: number,
  height: number,
  size: number,
  alongX: boolean,
): Float64Array {
  const from = alongX ? width : height;
  const scale = from / size;
  const support = Math.max(1, scale);
  const out = new Float64Array(alongX ? size * height : width * size);
  const lines = alongX ? height : width;
  for (let i = 0; i < size; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support)),
      hi = Math.min(from, Math.ceil(centre + support));
    const weights: number[] = [];
    let total = 0;
    for (let j = lo; j < hi; j++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
      weights.push(w);
      total += w;
    }
    for (let line = 0; line < lines; line++) {
      let acc = 0;
      for (let j = lo; j < hi; j++) {
        const index = alongX ? line * width + j : j * width + line;
        acc += source[index]! * weights[j - lo]!;
      }
      out[alongX ? line * size + i : i * width + line] = total > 0 ? acc / total : 255;
    }
  }
  return out;
}

/** Stretches levels so that the 1st percentile becomes black and the 99th white. */
export function stretchContrast(image: GrayImage): GrayImage {
  const sorted = Uint8Array.from(image.data).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))]!;
  const hi = sorted[Math.floor(0.99 * (sorted.length - 1))]!;
  if (hi - lo < 16) return image; // a flat image has no contrast worth stretching
  const data = image.data.map((v) =>
    Math.max(0, Math.min(255, Math.round((v - lo) * 255 / (hi - lo))))
  );
  return { ...image, data };
}

/** Below this paper-to-ink difference an image is blank. */
const MIN_CONTRAST = 24;

function noStaff(reason: string): Problem {
  return new Problem(422, `No staff found: ${reason}`, { slug: "no-staff" });
}

/** Crops `image` around `staff` so the staff sits where `framing` says training put it. */
function cropToFraming(image: GrayImage, staff: StaffLocation, framing: StaffFraming): GrayImage {
  const staffHeight = Math.max(4, staff.bottom - staff.top);
  const height = Math.round(staffHeight / framing.staffFraction);
  const top = Math.round((staff.top + staff.bottom) / 2 - framing.staffCentre * height);
  const margin = Math.round(staffHeight * 0.5);
  const left = Math.max(0, staff.left - margin);
  const right = Math.min(image.width - 1, staff.right + margin);
  const width = right - left + 1;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= image.height) continue;
    data.set(image.data.subarray(sy * image.width + left, sy * image.width + right + 1), y * width);
  }
  return { width, height, data };
}

/**
 * How far the darkest ink (0.1st percentile) is below the paper (the median): faded and
 * low-contrast photos still have some, blank or evenly noisy images have none.
 */
function inkContrast(image: GrayImage): number {
  const histogram = new Float64Array(256);
  for (const v of image.data) histogram[v]! += 1;
  const level = (fraction: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += histogram[v]!;
      if (seen >= fraction * image.data.length) return v;
    }
    return 255;
  };
  return level(0.5) - level(0.001);
}

/**
 * The whole chain for one staff: deskew, locate, crop to the training framing, stretch
 * contrast, resize to the input height. A wide strip whose lines cannot be resolved (a tight,
 * low-resolution crop of one staff) is read whole, as the training images are; `staff` is then
 * `null`.
 *
 * @throws {Problem} 422 when the image is blank, or holds no staff and is no staff strip.
 */
export function prepareStaff(image: GrayImage, framing: StaffFraming): {
  readonly image: GrayImage;
  readonly skewDegrees: number;
  readonly staff: StaffLocation | null;
} {
  if (inkContrast(image) < MIN_CONTRAST) throw noStaff("the image is blank");
  const skewDegrees = estimateSkew(image);
  const straight = deskew(image, skewDegrees);
  let staff: StaffLocation | null = null;
  try {
    staff = findStaff(straight);
  } catch (error) {
    if (!(error instanceof Problem) || straight.width < 2 * straight.height) throw error;
  }
  const crop = staff === null ? straight : cropToFraming(straight, staff, framing);
  const contrasted = framing.contrast === "stretch" ? stretchContrast(crop) : crop;
  const width = Math.min(
    framing.maxWidth,
    Math.max(8, Math.round(crop.width * framing.height / crop.height)),
  );
  return { image: resize(contrasted, width, framing.height), skewDegrees, staff };
}
