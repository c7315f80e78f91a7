import assert from "node:assert/strict";
import { initRenderer, rasterize } from "../../../models/data/render.ts";
import { type GrayImage, rgbaToGray } from "../../../shared/image/gray_image.ts";
import { cropBand, findStaves, type StaffBand } from "../../../shared/image/page_layout.ts";
import { parseLabelFile, parseToken } from "../../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../../shared/music/tokens_to_mei.ts";
import { type MusicFont, sharedVerovio } from "../../../shared/music/verovio.ts";

const PRIMUS = new URL(
  "../../../../shared/data/primus/example/000051652-1_2_1.semantic",
  import.meta.url,
);

/** Four real melodies in four clefs, keys and meters. */
const MELODIES: readonly (readonly string[])[] = [
  // The PrIMuS sample (RISM incipit 000051652-1_2_1).
  parseLabelFile(Deno.readTextFileSync(PRIMUS)),
  // Beethoven, "Ode to Joy".
  ("clef-G2 keySignature-DM timeSignature-4/4 note-F#4_quarter note-F#4_quarter note-G4_quarter " +
    "note-A4_quarter barline note-A4_quarter note-G4_quarter note-F#4_quarter note-E4_quarter " +
    "barline note-D4_quarter note-D4_quarter note-E4_quarter note-F#4_quarter barline " +
    "note-F#4_quarter. note-E4_eighth note-E4_half barline").split(" "),
  // "Frère Jacques" in the bass.
  ("clef-F4 keySignature-FM timeSignature-4/4 note-F3_quarter note-G3_quarter note-A3_quarter " +
    "note-F3_quarter barline note-F3_quarter note-G3_quarter note-A3_quarter note-F3_quarter " +
    "barline note-A3_quarter note-Bb3_quarter note-C4_half barline").split(" "),
  // "Greensleeves".
  ("clef-G2 keySignature-CM timeSignature-6/8 note-A4_eighth barline note-C5_quarter " +
    "note-D5_eighth note-E5_eighth. note-F5_sixteenth note-E5_eighth barline note-D5_quarter " +
    "note-B4_eighth note-G4_eighth. note-A4_sixteenth note-B4_eighth barline note-C5_quarter " +
    "note-A4_eighth note-A4_eighth. note-G#4_sixteenth note-A4_eighth barline note-B4_quarter " +
    "note-G#4_eighth note-E4_quarter. barline").split(" "),
];
const FONTS: readonly MusicFont[] = ["Leipzig", "Bravura", "Petaluma", "Leland"];

/** A rendered staff and where its five lines are in its pixels. */
interface Engraved {
  readonly image: GrayImage;
  /** Rows of the five lines' centres, top to bottom. */
  readonly lines: readonly number[];
  /** Columns where the lines start and end. */
  readonly from: number;
  readonly to: number;
}

const numbers = (text: string | undefined) => (text ?? "").trim().split(/[\s,]+/).map(Number);

/** Engraves `tokens` with Verovio and resvg so that the line spacing is `spacing` pixels. */
async function engrave(tokens: readonly string[], font: MusicFont, spacing: number) {
  const mei = tokensToMei(tokens.map(parseToken));
  const svg = await (await sharedVerovio()).renderStaffSvg(mei, {
    font,
    scale: 100,
    spacingLinear: 0.25,
    spacingNonLinear: 0.6,
    marginX: 50,
    marginY: 50,
  });
  // Horizontal paths, in the inner SVG's units.
  const [, , , height] = numbers(/class="definition-scale"[^>]*viewBox="([^"]+)"/.exec(svg)?.[1]);
  const [dx, dy] = numbers(/class="page-margin" transform="translate\(([^)]+)\)"/.exec(svg)?.[1]);
  const paths = [...svg.matchAll(/<path d="M(\d+) (\d+) L(\d+) (\d+)"/g)]
    .map((m) => m.slice(1, 5).map(Number) as [number, number, number, number])
    .filter(([, y1, , y2]) => y1 === y2);
  // Staff lines run the whole staff; ledger lines (also horizontal paths) are short.
  const lengths = new Map<number, number>();
  for (const [x1, y, x2] of paths) lengths.set(y, (lengths.get(y) ?? 0) + Math.abs(x2 - x1));
  const ys = [...lengths].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([y]) => y)
    .sort((a, b) => a - b);
  assert.equal(ys.length, 5, "the SVG has five staff lines");
  const units = (ys[4]! - ys[0]!) / 4;
  const font_ = await initRenderer();
  const raster = rasterize(svg, font_, {
    height: Math.round(height! * spacing / units),
    pixels: true,
  });
  const scale = raster.height / height!;
  const xs = paths.filter(([, y]) => ys.includes(y)).flatMap(([x1, , x2]) => [x1, x2]);
  return {
    image: rgbaToGray(raster.pixels!, raster.width, raster.height),
    lines: ys.map((y) => (y + dy!) * scale - 0.5),
    from: Math.round((Math.min(...xs) + dx!) * scale),
    to: Math.round((Math.max(...xs) + dx!) * scale),
  } satisfies Engraved;
}

/** A white page. */
const blankPage = (width: number, height: number): GrayImage => ({
  width,
  height,
  data: new Uint8Array(width * height).fill(255),
});

/** Draws `image` onto `page` at (`x`, `y`), darker pixel winning, so white margins may overlap. */
function paste(page: GrayImage, image: GrayImage, x: number, y: number) {
  for (let row = 0; row < image.height; row++) {
    for (let col = 0; col < image.width; col++) {
      const at = (y + row) * page.width + x + col;
      page.data[at] = Math.min(page.data[at]!, image.data[row * image.width + col]!);
    }
  }
}

/** Where a staff should be found on the page: its line rows and line columns. */
interface Placed {
  readonly lines: readonly number[];
  readonly from: number;
  readonly to: number;
}

/**
 * The four melodies stacked on a white page with uneven gaps and indents (the gap
 * before the third staff is so small that their four-spacing margins overlap). `above` rows of
 * the page's top are left free for a title.
 */
async function stackedPage(above = 40): Promise<{ page: GrayImage; placed: Placed[] }> {
  const spacings = [12, 13, 12, 14];
  const engraved = await Promise.all(
    MELODIES.map((tokens, i) => engrave(tokens, FONTS[i]!, spacings[i]!)),
  );
  const gaps = [above, 60, -50, 35];
  const indents = [90, 40, 60, 50];
  const height = engraved.reduce((sum, e, i) => sum + e.image.height + gaps[i]!, 0) + 40;
  const width = Math.max(...engraved.map((e, i) => indents[i]! + e.image.width)) + 40;
  const page = blankPage(width, height);
  const placed: Placed[] = [];
  let y = 0;
  engraved.forEach((e, i) => {
    y += gaps[i]!;
    paste(page, e.image, indents[i]!, y);
    placed.push({
      lines: e.lines.map((line) => line + y),
      from: e.from + indents[i]!,
      to: e.to + indents[i]!,
    });
    y += e.image.height;
  });
  return { page, placed };
}

/** `image` rotated by `degrees` about its centre (clockwise on screen for positive degrees). */
function rotate(image: GrayImage, degrees: number): GrayImage {
  const { width, height, data } = image;
  const cos = Math.cos(degrees * Math.PI / 180), sin = Math.sin(degrees * Math.PI / 180);
  const cx = width / 2, cy = height / 2;
  const out = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = cx + (x - cx) * cos + (y - cy) * sin, sy = cy - (x - cx) * sin + (y - cy) * cos;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) continue;
      const at = (xx: number, yy: number) => data[yy * width + xx]!;
      out[y * width + x] = Math.round(
        (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
          (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy,
      );
    }
  }
  return { width, height, data: out };
}

/**
 * The share of columns `from`..`to` of `image` with a pixel darker than mid-grey within a row of
 * `row` (a thin line blurred by two resamplings is grey, not black).
 */
function lineShare(image: GrayImage, row: number, from: number, to: number): number {
  let dark = 0;
  for (let x = from; x <= to; x++) {
    if ([row - 1, row, row + 1].some((y) => image.data[y * image.width + x]! < 192)) dark++;
  }
  return dark / (to - from + 1);
}

/** Checks that each band holds its staff's five lines and that bands are ordered and disjoint. */
function assertBands(bands: readonly StaffBand[], placed: readonly Placed[], tolerance = 1.5) {
  assert.equal(bands.length, placed.length, `${bands.length} staves found`);
  bands.forEach((band, i) => {
    const { lines, from, to } = placed[i]!;
    const what = `staff ${i + 1}: ${JSON.stringify(band)}`;
    assert.ok(Math.abs(band.lineTop - lines[0]!) <= tolerance, `${what}: top line ${lines[0]}`);
    assert.ok(Math.abs(band.lineBottom - lines[4]!) <= tolerance, `${what}: bottom ${lines[4]}`);
    assert.ok(Math.abs(band.spacing - (lines[4]! - lines[0]!) / 4) <= 0.5, what);
    assert.ok(band.top < lines[0]! - band.spacing && band.bottom > lines[4]! + band.spacing, what);
    assert.ok(band.left <= from && band.right >= to, `${what}: lines from ${from} to ${to}`);
    if (i > 0) assert.ok(bands[i - 1]!.bottom < band.top, `${what} overlaps the staff above`);
  });
}

Deno.test("findStaves() finds engraved staves top to bottom, each band holding its lines", async () => {
  const { page, placed } = await stackedPage();
  const bands = findStaves(page);
  assertBands(bands, placed);
  assert.ok(bands.every((band) => Math.abs(band.skewDegrees) <= 0.1));
  // Free space gives four spacings of margin; the tight pair is cut halfway between the lines.
  const [first, second, third] = bands as [StaffBand, StaffBand, StaffBand];
  assert.ok(Math.abs(first.lineTop - first.top - 4 * first.spacing) <= 1);
  assert.equal(second.bottom, Math.floor((second.lineBottom + third.lineTop) / 2));
  assert.equal(third.top, second.bottom + 1);
});

Deno.test("findStaves() straightens a page rotated by 1.5° and -1°", async () => {
  const { page, placed } = await stackedPage();
  for (const degrees of [1.5, -1]) {
    const tilted = rotate(page, degrees);
    const bands = findStaves(tilted);
    // After the rotation and the shear that undoes it, rows move away from the centre by 1/cos.
    const stretch = 1 / Math.cos(degrees * Math.PI / 180), cy = page.height / 2;
    const expected = placed.map((p) => ({
      ...p,
      lines: p.lines.map((line) => cy + (line + 0.5 - cy) * stretch - 0.5),
    }));
    assertBands(bands, expected, 2);
    for (const band of bands) {
      assert.ok(Math.abs(band.skewDegrees - degrees) <= 0.1, `skew ${band.skewDegrees}°`);
      // The crop is straight: every line stays within a row of where it should be.
      const crop = cropBand(tilted, band);
      const { lines, from, to } = expected[bands.indexOf(band)]!;
      for (const line of lines) {
        const share = lineShare(
          crop,
          Math.round(line - band.top),
          from - band.left,
          to - band.left,
        );
        assert.ok(share >= 0.95, `${degrees}°: line ${line} is straight on ${share} of the crop`);
      }
    }
  }
});

Deno.test("findStaves() ignores a title, a rule and speckles above the music", async () => {
  const { page, placed } = await stackedPage(150);
  const title = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 90">` +
    `<text x="10" y="40" font-family="DejaVu Serif" font-size="34">Sonata in E flat, Op. 7</text>` +
    `<text x="10" y="80" font-family="DejaVu Serif" font-size="24">Allegro molto e con brio</text>` +
    `</svg>`;
  const raster = rasterize(title, await initRenderer(), { height: 90, pixels: true });
  paste(page, rgbaToGray(raster.pixels!, raster.width, raster.height), 60, 10);
  page.data.fill(0, 115 * page.width + 60, 115 * page.width + 900); // a rule under the title
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let k = 0; k < 400; k++) {
    const x = Math.floor(random() * (page.width - 3)), y = Math.floor(random() * 145);
    for (let d = 0; d < 3; d++) page.data[(y + (d >> 1)) * page.width + x + (d & 1)] = 30;
  }
  assertBands(findStaves(page), placed);
});

Deno.test("findStaves() finds nothing on a blank page or a page of lines that are no staff", () => {
  assert.deepEqual(findStaves(blankPage(800, 600)), []);
  const ruled = blankPage(800, 600);
  // Three lines, then two more far below: never five evenly spaced.
  for (const y of [100, 112, 124, 300, 400]) ruled.data.fill(0, y * 800 + 50, y * 800 + 750);
  assert.deepEqual(findStaves(ruled), []);
});

Deno.test("cropBand() copies the band's pixels and rejects a band outside the page", () => {
  const page = { width: 4, height: 3, data: Uint8Array.from({ length: 12 }, (_, i) => i) };
  const band = {
    top: 1,
    bottom: 2,
    left: 1,
    right: 2,
    lineTop: 1,
    lineBottom: 2,
    spacing: 1,
    skewDegrees: 0,
  };
  assert.deepEqual(cropBand(page, band), { width: 2, height: 2, data: Uint8Array.of(5, 6, 9, 10) });
  assert.throws(() => cropBand(page, { ...band, bottom: 3 }), RangeError);
  assert.throws(() => cropBand(page, { ...band, left: 2.5 }), RangeError);
});
