/**
 * Decodes PNG, JPEG and WebP uploads to upright grayscale in WASM (no native code), after
 * checking the header's pixel count against a limit so that bombs are never decoded.
 *
 * @module
 */
import decodeJpeg from "@jsquash/jpeg/decode.js";
import decodeWebp from "@jsquash/webp/decode.js";
import { Problem } from "../problem.ts";
import { type GrayImage, orient, rgbaToGray } from "./gray_image.ts";
import { ImageFormatError, readImageHeader } from "./image_header.ts";
import { decodePng } from "./png_codec.ts";

/** Limits of {@linkcode decodeImage}. */
export interface DecodeLimits {
  /** Largest width x height accepted, checked before decoding. */
  readonly maxPixels: number;
}

const DECODERS = {
  png: (buffer: ArrayBuffer) => decodePng(buffer),
  jpeg: (buffer: ArrayBuffer) => decodeJpeg(buffer),
  webp: (buffer: ArrayBuffer) => decodeWebp(buffer),
};

/**
 * Decodes `bytes` to an upright grayscale image (EXIF orientation applied).
 *
 * @throws {ImageFormatError} for unsupported, malformed or undecodable data.
 * @throws {Problem} 413 when the image has more pixels than `limits.maxPixels`.
 */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits): Promise<GrayImage> {
  const header = readImageHeader(bytes);
  const pixels = header.width * header.height;
  if (pixels > limits.maxPixels) {
    throw new Problem(
      413,
      `Image of ${header.width}x${header.height} pixels exceeds the limit of ${limits.maxPixels} pixels`,
      { slug: "image-too-large", extensions: { limit: limits.maxPixels, pixels } },
    );
  }
  // The codecs want a standalone ArrayBuffer.
  const buffer = bytes.slice().buffer as ArrayBuffer;
  let decoded: ImageData;
  try {
    decoded = await DECODERS[header.format](buffer);
  } catch (error) {
    throw new ImageFormatError(
      `Corrupt ${header.format.toUpperCase()}: ${error instanceof Error ? error.message : error}`,
      false,
    );
  }
  if (decoded.width !== header.width || decoded.height !== header.height) {
    throw new ImageFormatError(
      `Corrupt ${header.format.toUpperCase()}: header says ${header.width}x${header.height}, ` +
        `data decodes to ${decoded.width}x${decoded.height}`,
      false,
    );
  }
  // 8-bit decoders give Uint8ClampedArray; the DOM type also allows float16 data we never ask for.
  const rgba = decoded.data as Uint8ClampedArray;
  return orient(rgbaToGray(rgba, decoded.width, decoded.height), header.orientation);
}
