/**
 * What kind of score a file is, read from its bytes: names and declared types are only used to
 * name what was sent, since clients and buckets label files loosely.
 *
 * @module
 */
import type { ScoreFormat } from "../db/schema.ts";
import { type ImageFormat, sniffImageFormat } from "../image/image_header.ts";
import { Problem } from "../problem.ts";

/** A recognised score file. */
export interface DetectedScore {
  /** The format the bytes are in. */
  readonly format: ScoreFormat;
  /** The media type stored with the bytes. */
  readonly contentType: string;
  /** The file extension of the content-addressed key, without the dot. */
  readonly extension: string;
}

/** What the sender said the file is, for the 415 message only. */
export interface FileHints {
  /** The file name (multipart) or object key. */
  readonly fileName?: string;
  /** The declared media type. */
  readonly contentType?: string;
}

const TEXT_FORMATS = {
  musicxml: { contentType: "application/vnd.recordare.musicxml+xml", extension: "musicxml" },
  mei: { contentType: "application/mei+xml", extension: "mei" },
  abc: { contentType: "text/vnd.abc", extension: "abc" },
  humdrum: { contentType: "text/x-humdrum", extension: "krn" },
} as const;

/** A 422 problem: the file is a score format the library reads, but this one cannot be read. */
export function unreadableScore(detail: string, cause?: unknown): Problem {
  return new Problem(422, `Unreadable score: ${detail}`, { slug: "unreadable-score", cause });
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  prefix.every((byte, i) => bytes[at + i] === byte);

/** Media type and key extension of each image format. */
const IMAGES: Record<ImageFormat, Omit<DetectedScore, "format">> = {
  png: { contentType: "image/png", extension: "png" },
  jpeg: { contentType: "image/jpeg", extension: "jpg" },
  webp: { contentType: "image/webp", extension: "webp" },
};

/** The container formats recognised by their first bytes. */
function binaryFormat(bytes: Uint8Array): DetectedScore | undefined {
  const image = sniffImageFormat(bytes);
  if (image !== undefined) return { format: "image", ...IMAGES[image] };
  // A zip: compressed MusicXML is the only zip the library reads; Verovio checks the inside.
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    return { format: "mxl", contentType: "application/vnd.recordare.musicxml", extension: "mxl" };
  }
  return undefined;
}

/**
 * Decodes a text score: UTF-8, or UTF-16 with a byte order mark (some MusicXML exports are), with
 * the BOM removed. `undefined` when the bytes are not text.
 */
export function decodeScoreText(bytes: Uint8Array): string | undefined {
  try {
    if (startsWith(bytes, [0xff, 0xfe])) {
      return new TextDecoder("utf-16le", { fatal: true }).decode(bytes.subarray(2));
    }
    if (startsWith(bytes, [0xfe, 0xff])) {
      return new TextDecoder("utf-16be", { fatal: true }).decode(bytes.subarray(2));
    }
    // TextDecoder drops a UTF-8 BOM by itself.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The name of an XML document's root element, past the declaration, comments and DOCTYPE. */
function xmlRoot(text: string): string | undefined {
  const prolog =
    /^\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)*/;
  const rest = text.slice(prolog.exec(text)![0].length);
  const name = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1];
  return name?.replace(/^.*:/, "");
}

/** The text formats, recognised by their content. */
function textFormat(text: string): keyof typeof TEXT_FORMATS | undefined {
  if (/^\s*</.test(text)) {
    const root = xmlRoot(text);
    if (root === "score-partwise" || root === "score-timewise") return "musicxml";
    if (root === "mei") return "mei";
    return undefined;
  }
  // Humdrum: a spine of exclusive interpretations (`**kern`), after any `!!` comment lines.
  if (/^(?:!![^\n]*\n)*\*\*[A-Za-z]/.test(text.replace(/\r\n?/g, "\n").trimStart())) {
    return "humdrum";
  }
  // ABC: a tune header needs its reference number and its key.
  if (/^X:[ \t]*\d+/m.test(text) && /^K:/m.test(text)) return "abc";
  return undefined;
}

/**
 * Says which score format `bytes` are in: MusicXML (plain or compressed `.mxl`), MEI, ABC,
 * Humdrum, or a PNG, JPEG or WebP image to recognize.
 *
 * @example
 * ```ts
 * import { detectScoreFormat } from "./score_format.ts";
 * const abc = new TextEncoder().encode("X:1\nT:Scale\nK:C\nCDEF|GABc|\n");
 * console.assert(detectScoreFormat(abc).format === "abc");
 * ```
 * @throws {Problem} 415 when the bytes are none of these, 422 when there are none.
 */
export function detectScoreFormat(bytes: Uint8Array, hints: FileHints = {}): DetectedScore {
  if (bytes.byteLength === 0) {
    throw unreadableScore("the file is empty");
  }
  const binary = binaryFormat(bytes);
  if (binary !== undefined) return binary;
  const text = decodeScoreText(bytes);
  const format = text === undefined ? undefined : textFormat(text);
  if (format !== undefined) return { format, ...TEXT_FORMATS[format] };
  const sent = [
    hints.fileName && `"${hints.fileName.slice(0, 100)}"`,
    hints.contentType && `(${hints.contentType.slice(0, 100)})`,
  ].filter(Boolean).join(" ");
  throw new Problem(
    415,
    `Unsupported score file${sent ? ` ${sent}` : ""}: expected MusicXML, MEI, ABC, Humdrum, ` +
      "or a PNG, JPEG or WebP image",
    { slug: "unsupported-score" },
  );
}
