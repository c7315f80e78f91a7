/**
 * Measures where the staff sits in a data set's images, with the same staff finder that
 * `/v1/recognize` uses, and records it in the set's `manifest.json` as `framing`. The exporter
 * copies it into the model's `preprocess`, so inference crops photos the way training saw staves.
 *
 * Usage: `deno task data:framing --data data/omr [--split train] [--count 500]`.
 *
 * @module
 */
import { decodeImage } from "../../shared/image/decode_image.ts";
import { findStaff } from "../../shared/image/staff_image.ts";
import { Problem } from "../../shared/problem.ts";

/** The staff's place in the training images. */
export interface Framing {
  /** Median staff height (top to bottom line) over image height. */
  readonly staffFraction: number;
  /** Median staff centre over image height, from the top. */
  readonly staffCentre: number;
  /** 10th and 90th percentiles of `staffFraction`. */
  readonly staffFractionRange: readonly [number, number];
  /** The split, the images measured and those whose staff lines were not found. */
  readonly measured: { readonly split: string; readonly staves: number; readonly missed: number };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (x: number) => Math.round(x * 1000) / 1000;

/** Measures the first `count` images (by name) of `split` under `dir`. */
export async function measureFraming(dir: string, split: string, count: number): Promise<Framing> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${split}`)) {
    if (entry.name.endsWith(".png")) names.push(entry.name);
  }
  names.sort();
  const fractions: number[] = [], centres: number[] = [];
  let missed = 0;
  for (const name of names.slice(0, count)) {
    const image = await decodeImage(await Deno.readFile(`${dir}/${split}/${name}`), {
      maxPixels: 1e8,
    });
    let staff;
    try {
      staff = findStaff(image);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      missed++;
      continue;
    }
    fractions.push((staff.bottom - staff.top) / image.height);
    centres.push((staff.top + staff.bottom) / 2 / image.height);
  }
  if (fractions.length === 0) {
    throw new RangeError(`No staff found in any image of "${dir}/${split}"`);
  }
  fractions.sort((a, b) => a - b);
  centres.sort((a, b) => a - b);
  return {
    staffFraction: round(quantile(fractions, 0.5)),
    staffCentre: round(quantile(centres, 0.5)),
    staffFractionRange: [round(quantile(fractions, 0.1)), round(quantile(fractions, 0.9))],
    measured: { split, staves: fractions.length, missed },
  };
}

/** Adds `framing` to `<dir>/manifest.json`, replacing the file atomically. */
export async function recordFraming(dir: string, framing: Framing): Promise<void> {
  const path = `${dir}/manifest.json`;
  const manifest = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify({ ...manifest, framing }, null, 1));
  await Deno.rename(`${path}.tmp`, path);
}

if (import.meta.main) {
  const arg = (name: string, fallback?: string) => {
    const at = Deno.args.indexOf(`--${name}`);
    const value = at >= 0 ? Deno.args[at + 1] : fallback;
    if (value === undefined) throw new TypeError(`Missing --${name}`);
    return value;
  };
  const dir = arg("data");
  const count = Number(arg("count", "500"));
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`Invalid --count "${count}"`);
  const framing = await measureFraming(dir, arg("split", "train"), count);
  await recordFraming(dir, framing);
  console.log(JSON.stringify(framing));
}
