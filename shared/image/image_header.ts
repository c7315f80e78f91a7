/**
 * Reads an image's format, size and EXIF orientation from its first bytes, before any
 * decoding, so that unsupported formats and decompression bombs are refused cheaply.
 *
 * @module
 */

/** Formats Stave decodes. */
export type ImageFormat = "png" | "jpeg" | "webp";

/** What the header says. */
export interface ImageHeader {
  /** The container format. */
  readonly format: ImageFormat;
  /** Stored width in pixels (before EXIF rotation). */
  readonly width: number;
  /** Stored height in pixels (before EXIF rotation). */
  readonly height: number;
  /** EXIF orientation 1-8 (JPEG only; 1 when absent). */
  readonly orientation: number;
}

/** The bytes are not an image Stave can read: unknown, unsupported or malformed. */
export class ImageFormatError extends TypeError {
  /** Whether the format is known but not supported (415), rather than malformed (422). */
  readonly unsupported: boolean;

  /** Creates the error; `unsupported` says whether it is a 415 rather than a 422 case. */
  constructor(message: string, unsupported: boolean) {
    super(message);
    this.name = "ImageFormatError";
    this.unsupported = unsupported;
  }
}

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

function pngHeader(view: DataView): ImageHeader {
  if (
    view.byteLength < 24 ||
    ascii(new Uint8Array(view.buffer, view.byteOffset, 16), 12, 4) !== "IHDR"
  ) {
    throw new ImageFormatError("Invalid PNG: the IHDR chunk is missing or truncated", false);
  }
  return { format: "png", width: view.getUint32(16), height: view.getUint32(20), orientation: 1 };
}

/** EXIF orientation from an APP1 segment body starting at `start`, or 1. */
function exifOrientation(view: DataView, start: number, end: number): number {
  const tiff = start + 6; // after "Exif\0\0"
  if (tiff + 8 > end) return 1;
  const little = view.getUint16(tiff) === 0x4949;
  const u16 = (at: number) => view.getUint16(at, little);
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

function jpegHeader(view: DataView): ImageHeader {
  let orientation = 1;
  let at = 2;
  while (at + 4 <= view.byteLength) {
    if (view.getUint8(at) !== 0xff) {
      throw new ImageFormatError(`Invalid JPEG: expected a marker at byte ${at}`, false);
    }
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) { // fill byte
      at += 1;
      continue;
    }
    const length = view.getUint16(at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (
      marker === 0xe1 && length >= 8 && end <= view.byteLength &&
      ascii(new Uint8Array(view.buffer, view.byteOffset + body, 4), 0, 4) === "Exif"
    ) {
      orientation = exifOrientation(view, body, end);
    }
    // SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      if (body + 5 > view.byteLength) break;
      return {
        format: "jpeg",
        height: view.getUint16(body + 1),
        width: view.getUint16(body + 3),
        orientation,
      };
    }
    if (marker === 0xda) break; // start of scan without a frame header
    at = end;
  }
  throw new ImageFormatError("Invalid JPEG: no frame header (SOF) before the image data", false);
}

function webpHeader(bytes: Uint8Array, view: DataView): ImageHeader {
  const chunk = ascii(bytes, 12, 4);
  const header = (width: number, height: number): ImageHeader => ({
    format: "webp",
    width,
    height,
    orientation: 1,
  });
  if (chunk === "VP8 " && bytes.length >= 30) {
    return header(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
  }
  if (chunk === "VP8L" && bytes.length >= 25) {
    const bits = view.getUint32(21, true);
    return header((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (chunk === "VP8X" && bytes.length >= 30) {
    const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return header(u24(24) + 1, u24(27) + 1);
  }
  throw new ImageFormatError("Invalid WebP: no VP8, VP8L or VP8X header", false);
}

/**
 * The format `bytes` are in, from their signature alone: `undefined` for anything but PNG, JPEG
 * and WebP. Nothing else is checked; {@linkcode readImageHeader} reads and checks the header.
 *
 * @example
 * ```ts
 * import { sniffImageFormat } from "./image_header.ts";
 * console.assert(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])) === "jpeg");
 * ```
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (starts(0xff, 0xd8, 0xff)) return "jpeg";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return "webp";
  return undefined;
}

/**
 * Reads the header of `bytes`.
 *
 * @example
 * ```ts
 * import { readImageHeader } from "./image_header.ts";
 * const png = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82,
 *   0, 0, 2, 0, 0, 0, 0, 64, 8, 0, 0, 0, 0]);
 * const header = readImageHeader(png);
 * console.assert(header.format === "png" && header.width === 512 && header.height === 64);
 * ```
 * @throws {ImageFormatError} for empty, unknown, unsupported or malformed headers.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new ImageFormatError("The image is empty", false);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  const format = sniffImageFormat(bytes);
  let header: ImageHeader;
  if (format === "png") header = pngHeader(view);
  else if (format === "jpeg") header = jpegHeader(view);
  else if (format === "webp") header = webpHeader(bytes, view);
  else {
    const known = starts(0x47, 0x49, 0x46)
      ? "GIF"
      : starts(0x42, 0x4d)
      ? "BMP"
      : starts(0x49, 0x49, 0x2a, 0) || starts(0x4d, 0x4d, 0, 0x2a)
      ? "TIFF"
      : ascii(bytes, 4, 8) === "ftypheic" || ascii(bytes, 4, 8) === "ftypavif"
      ? "HEIF/AVIF"
      : undefined;
    throw new ImageFormatError(
      known === undefined
        ? "Unrecognised image data: expected PNG, JPEG or WebP"
        : `Unsupported image format ${known}: expected PNG, JPEG or WebP`,
      true,
    );
  }
  if (header.width === 0 || header.height === 0) {
    throw new ImageFormatError(
      `Invalid ${header.format.toUpperCase()}: size ${header.width}x${header.height}`,
      false,
    );
  }
  return header;
}
