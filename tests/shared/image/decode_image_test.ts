import assert from "node:assert/strict";
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodePng from "@jsquash/png/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import { decodeImage } from "../../../shared/image/decode_image.ts";
import { ImageFormatError, readImageHeader } from "../../../shared/image/image_header.ts";
import { orient } from "../../../shared/image/gray_image.ts";
import { Problem } from "../../../shared/problem.ts";
import { pngHeaderOnly } from "../../support/images.ts";

const LIMITS = { maxPixels: 4_000_000 };

/** A 40x10 test card: black left half, white right half, one grey pixel at (0, 0). */
function card(): ImageData {
  const width = 40, height = 10;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x < width / 2 ? 0 : 255;
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  data.set([128, 128, 128, 255], 0);
  return { width, height, data, colorSpace: "srgb" } as ImageData;
}

/** Inserts an EXIF APP1 segment with `orientation` right after the JPEG's SOI marker. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [
    0x4d,
    0x4d,
    0,
    0x2a,
    0,
    0,
    0,
    8,
    0,
    1,
    0x01,
    0x12,
    0,
    3,
    0,
    0,
    0,
    1,
    0,
    orientation,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  const body = [...new TextEncoder().encode("Exif"), 0, 0, ...tiff];
  const length = body.length + 2;
  const app1 = [0xff, 0xe1, length >> 8, length & 0xff, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

Deno.test("decodeImage() decodes PNG to grayscale with alpha over white", async () => {
  const image = card();
  image.data[4 * 39 + 3] = 0; // the top-right pixel fully transparent
  const png = new Uint8Array(await encodePng(image));
  const gray = await decodeImage(png, LIMITS);
  assert.equal(gray.width, 40);
  assert.equal(gray.height, 10);
  assert.equal(gray.data[0], 128);
  assert.equal(gray.data[5], 0);
  assert.equal(gray.data[39], 255);
});

Deno.test("decodeImage() decodes JPEG and WebP", async () => {
  const jpeg = new Uint8Array(await encodeJpeg(card(), { quality: 95 }));
  const webp = new Uint8Array(await encodeWebp(card(), { quality: 95 }));
  for (const bytes of [jpeg, webp]) {
    const gray = await decodeImage(bytes, LIMITS);
    assert.deepEqual([gray.width, gray.height], [40, 10]);
    assert.ok(gray.data[5 * 40 + 5]! < 30, "left half is dark");
    assert.ok(gray.data[5 * 40 + 35]! > 225, "right half is light");
  }
});

Deno.test("decodeImage() honours JPEG EXIF orientation 6 (rotate 90° clockwise)", async () => {
  const jpeg = withOrientation(new Uint8Array(await encodeJpeg(card(), { quality: 95 })), 6);
  assert.equal(readImageHeader(jpeg).orientation, 6);
  const gray = await decodeImage(jpeg, LIMITS);
  assert.deepEqual([gray.width, gray.height], [10, 40]);
  // The black left half of the stored image is now the top half.
  assert.ok(gray.data[5 * 10 + 5]! < 30);
  assert.ok(gray.data[35 * 10 + 5]! > 225);
});

Deno.test("orient() maps each EXIF orientation like the reference transforms", () => {
  // 3x2 image with distinct values: rows [0 1 2] / [3 4 5].
  const image = { width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 4, 5]) };
  const expected: Record<number, number[]> = {
    2: [2, 1, 0, 5, 4, 3],
    3: [5, 4, 3, 2, 1, 0],
    4: [3, 4, 5, 0, 1, 2],
    5: [0, 3, 1, 4, 2, 5],
    6: [3, 0, 4, 1, 5, 2],
    7: [5, 2, 4, 1, 3, 0],
    8: [2, 5, 1, 4, 0, 3],
  };
  for (const [orientation, data] of Object.entries(expected)) {
    assert.deepEqual(
      [...orient(image, Number(orientation)).data],
      data,
      `orientation ${orientation}`,
    );
  }
});

Deno.test("decodeImage() refuses a decompression bomb from its header alone", async () => {
  // A PNG signature and IHDR claiming 100000 x 100000 pixels, and no image data at all.
  const bomb = pngHeaderOnly(100000, 100000);
  await assert.rejects(decodeImage(bomb, LIMITS), (error: unknown) => {
    assert.ok(error instanceof Problem);
    assert.equal(error.status, 413);
    assert.match(error.message, /100000x100000/);
    return true;
  });
});

Deno.test("decodeImage() names unsupported, empty, truncated and corrupt images", async () => {
  const png = new Uint8Array(await encodePng(card()));
  const cases: [Uint8Array, boolean, RegExp][] = [
    [new Uint8Array(), false, /empty/],
    [new TextEncoder().encode("GIF89a......"), true, /Unsupported image format GIF/],
    [new TextEncoder().encode("hello, not an image"), true, /Unrecognised image data/],
    [png.subarray(0, 20), false, /Invalid PNG/],
    [png.subarray(0, png.length - 30), false, /Corrupt PNG/],
    [Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xda]), false, /no frame header/],
  ];
  for (const [bytes, unsupported, message] of cases) {
    await assert.rejects(decodeImage(bytes, LIMITS), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError, String(error));
      assert.equal(error.unsupported, unsupported);
      assert.match(error.message, message);
      return true;
    });
  }
});
