/**
 * Images for tests: grayscale PNGs painted by a function, PNG headers that claim a size without
 * any pixel data (decompression bombs), and staves engraved from tokens.
 *
 * @module
 */
import encodePng from "@jsquash/png/encode.js";
import { initRenderer, rasterize } from "../../models/data/render.ts";
import { parseToken } from "../../shared/music/semantic_tokens.ts";
import { tokensToMei } from "../../shared/music/tokens_to_mei.ts";
import { sharedVerovio } from "../../shared/music/verovio.ts";

/** A grayscale PNG whose pixel (x, y) has level `paint(x, y)`. */
export async function grayPng(
  width: number,
  height: number,
  paint: (x: number, y: number) => number,
): Promise<Uint8Array<ArrayBuffer>> {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = paint(x, y);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return new Uint8Array(await encodePng({ width, height, data, colorSpace: "srgb" } as ImageData));
}

/** The PNG signature and an IHDR chunk claiming `width` x `height`, with no image data. */
export function pngHeaderOnly(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(29);
  bytes.set([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 0, 0, 0, 0], 24);
  return bytes;
}

/**
 * A PNG of one staff engraved from semantic tokens the way the OMR data set draws its clean
 * staves: Verovio (Leipzig, no random layout) and resvg at the data set's image height.
 */
export async function staffPng(tokens: readonly string[]): Promise<Uint8Array> {
  const mei = tokensToMei(tokens.map(parseToken));
  const svg = await (await sharedVerovio()).renderStaffSvg(mei, {
    font: "Leipzig",
    scale: 100,
    spacingLinear: 0.25,
    spacingNonLinear: 0.6,
    marginX: 50,
    marginY: 60,
  });
  return rasterize(svg, await initRenderer()).png;
}
