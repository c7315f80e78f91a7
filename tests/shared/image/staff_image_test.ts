import assert from "node:assert/strict";
import type { GrayImage } from "../../../shared/image/gray_image.ts";
import {
  deskew,
  estimateSkew,
  findStaff,
  otsuThreshold,
  prepareStaff,
  resize,
  stretchContrast,
} from "../../../shared/image/staff_image.ts";
import { Problem } from "../../../shared/problem.ts";

const FRAMING = {
  height: 64,
  staffFraction: 0.25,
  staffCentre: 0.5,
  maxWidth: 2000,
  contrast: "none",
} as const;

/** A 600x200 page with a staff (lines at rows 80..120) tilted by `degrees`, and noteheads. */
function drawnStaff(degrees = 0, paper = 255, ink = 0): GrayImage {
  const width = 600, height = 200;
  const data = new Uint8Array(width * height).fill(paper);
  const slope = Math.tan(degrees * Math.PI / 180);
  const put = (x: number, y: number) => {
    const row = Math.round(y + (x - width / 2) * slope);
    if (row >= 0 && row < height) data[row * width + x] = ink;
  };
  for (let line = 0; line < 5; line++) {
    for (let x = 30; x < 570; x++) {
      put(x, 80 + line * 10);
      put(x, 81 + line * 10);
    }
  }
  for (let note = 0; note < 8; note++) {
    const cx = 80 + note * 60, cy = 85 + (note % 4) * 5;
    for (let x = cx - 6; x <= cx + 6; x++) {
      for (let y = cy - 4; y <= cy + 4; y++) {
        if (((x - cx) / 6) ** 2 + ((y - cy) / 4) ** 2 <= 1) put(x, y);
      }
    }
    for (let y = cy - 30; y < cy; y++) put(cx + 6, y);
  }
  return { width, height, data };
}

Deno.test("otsuThreshold() separates ink from paper", () => {
  const t = otsuThreshold(drawnStaff(0, 230, 40));
  assert.ok(t >= 40 && t < 230, `threshold ${t}`);
});

Deno.test("estimateSkew() measures a small rotation and deskew() undoes it", () => {
  for (const degrees of [-3, 0, 2]) {
    const tilted = drawnStaff(degrees);
    const estimate = estimateSkew(tilted);
    assert.ok(Math.abs(estimate - degrees) <= 0.25, `${degrees}° estimated as ${estimate}°`);
    const staff = findStaff(deskew(tilted, estimate));
    assert.ok(Math.abs(staff.top - 80.5) <= 2.5 && Math.abs(staff.bottom - 120.5) <= 2.5);
  }
});

Deno.test("findStaff() finds the five lines and the ink's extent", () => {
  const staff = findStaff(drawnStaff());
  assert.ok(Math.abs(staff.top - 80.5) <= 1);
  assert.ok(Math.abs(staff.bottom - 120.5) <= 1);
  assert.equal(staff.left, 30);
  assert.equal(staff.right, 569);
});

Deno.test("findStaff() finds faint lines drawn between pixel rows above dense lyrics", () => {
  // As a small render antialiases them: each line is two light grey rows. Below the staff,
  // a band of text is darker row for row than any line.
  const width = 400, height = 128;
  const data = new Uint8Array(width * height).fill(255);
  for (let line = 0; line < 5; line++) {
    for (let x = 20; x < 380; x++) {
      data[(47 + line * 6) * width + x] = 205;
      data[(48 + line * 6) * width + x] = 205;
    }
  }
  for (let y = 86; y < 93; y++) {
    for (let x = 20; x < 380; x++) if ((x * 7 + y * 3) % 5 < 3) data[y * width + x] = 30;
  }
  const staff = findStaff({ width, height, data });
  assert.ok(Math.abs(staff.top - 47.5) <= 1, `top ${staff.top}`);
  assert.ok(Math.abs(staff.bottom - 71.5) <= 1, `bottom ${staff.bottom}`);
});

Deno.test("findStaff() answers 422 for an image without a staff", () => {
  const blank = { width: 100, height: 50, data: new Uint8Array(5000).fill(255) };
  const lines = drawnStaff();
  // Keep only three of the five lines: not a staff.
  lines.data.fill(255, 100 * 600, 200 * 600);
  for (const image of [blank, lines]) {
    assert.throws(() => findStaff(image), (error: unknown) => {
      assert.ok(error instanceof Problem);
      assert.equal(error.status, 422);
      assert.match(error.message, /No staff found/);
      return true;
    });
  }
});

Deno.test("prepareStaff() frames the staff at the trained fraction and height", () => {
  const prepared = prepareStaff(drawnStaff(1.5, 200, 60), FRAMING);
  assert.equal(prepared.image.height, 64);
  assert.ok(Math.abs(prepared.skewDegrees - 1.5) <= 0.25);
  // The staff (40 px of 160 px crop) spans 25 % of the 64 rows, centred: rows 24..40.
  const located = findStaff(prepared.image);
  assert.ok(Math.abs(located.top - 24) <= 2, `top ${located.top}`);
  assert.ok(Math.abs(located.bottom - 40) <= 2, `bottom ${located.bottom}`);
  // The grey paper stays as it was, as the model was trained.
  assert.ok(Math.abs(prepared.image.data[0]! - 200) <= 1, `paper ${prepared.image.data[0]}`);
  // A model trained on stretched images gets them stretched: paper is white again.
  const stretched = prepareStaff(drawnStaff(1.5, 200, 60), { ...FRAMING, contrast: "stretch" });
  assert.equal(stretched.image.data[0], 255);
});

Deno.test("resize() keeps flat images flat and averages when shrinking", () => {
  const flat = { width: 10, height: 10, data: new Uint8Array(100).fill(77) };
  assert.ok(resize(flat, 3, 7).data.every((v) => v === 77));
  const stripes = { width: 4, height: 1, data: Uint8Array.from([0, 255, 0, 255]) };
  const half = resize(stripes, 2, 1);
  assert.ok(half.data.every((v) => Math.abs(v - 128) <= 40), `${[...half.data]}`);
});

Deno.test("stretchContrast() maps the 1st-99th percentiles to black and white", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => 100 + (i % 51));
  const out = stretchContrast({ width: 1000, height: 1, data });
  assert.equal(Math.min(...out.data), 0);
  assert.equal(Math.max(...out.data), 255);
});

Deno.test("prepareStaff() reads a strip without resolvable lines whole, as training did", () => {
  // 400x40: ink blobs on a line-less strip (a low-resolution staff crop).
  const data = new Uint8Array(400 * 40).fill(230);
  for (let x = 20; x < 380; x += 30) data.fill(20, 20 * 400 + x, 20 * 400 + x + 8);
  const prepared = prepareStaff({ width: 400, height: 40, data }, FRAMING);
  assert.equal(prepared.staff, null);
  assert.equal(prepared.image.height, 64);
  assert.equal(prepared.image.width, 640);
});

Deno.test("prepareStaff() finds a faded staff: grey ink on grey paper is not blank", () => {
  const faded = prepareStaff(drawnStaff(0, 170, 135), FRAMING);
  assert.notEqual(faded.staff, null);
});

Deno.test("prepareStaff() answers 422 for a blank image or a line-less non-strip", () => {
  const blank = { width: 400, height: 40, data: new Uint8Array(400 * 40).fill(250) };
  const square = { width: 100, height: 100, data: new Uint8Array(100 * 100).fill(240) };
  square.data.fill(10, 50 * 100 + 20, 50 * 100 + 60);
  for (const [image, reason] of [[blank, /blank/], [square, /five evenly spaced/]] as const) {
    assert.throws(() => prepareStaff(image, FRAMING), (error: unknown) => {
      assert.ok(error instanceof Problem);
      assert.equal(error.status, 422);
      assert.match(error.message, reason);
      return true;
    });
  }
});
