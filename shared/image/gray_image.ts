/**
 * The grayscale image type of the recognition pipeline, and the EXIF orientation transform.
 *
 * @module
 */

/** An 8-bit grayscale image, row-major, 0 = black, 255 = white. */
export interface GrayImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height` luma values. */
  readonly data: Uint8Array;
}

/**
 * Luma (ITU-R BT.601) of RGBA pixels, alpha composited over white: transparent staff images
 * (common for rendered music) must read as black ink on white paper.
 */
export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number) {
  const data = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < data.length; i++, p += 4) {
    const alpha = rgba[p + 3]! / 255;
    const luma = 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!;
    data[i] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return { width, height, data } satisfies GrayImage;
}

/**
 * Applies EXIF orientation `orientation` (1-8) so the image reads upright.
 *
 * @example
 * ```ts
 * import { orient } from "./gray_image.ts";
 * const image = { width: 2, height: 1, data: Uint8Array.from([0, 255]) };
 * console.assert(orient(image, 2).data[0] === 255); // mirrored
 * ```
 */
export function orient(image: GrayImage, orientation: number): GrayImage {
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // (sx, sy): the stored pixel shown at (x, y) for each EXIF orientation.
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        case 8:
          [sx, sy] = [w - 1 - y, x];
          break;
        default:
          throw new RangeError(`Invalid EXIF orientation ${orientation}: expected 1-8`);
      }
      out[y * width + x] = data[sy * w + sx]!;
    }
  }
  return { width, height, data: out };
}
