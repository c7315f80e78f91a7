/**
 * @module What a search asks with, read from tokens or from a file: notes (tokens, MusicXML,
 * ABC, Humdrum, MIDI), a recording (WAV) or an image of a staff (PNG, JPEG, WebP). The file's
 * kind is read from its bytes; its declared type only names what was sent when it is refused.
 */
import { type Audio, isWav, readWav } from "../audio/wav.ts";
import {
  type NotesFileKind,
  notesFromFile,
  notesFromTokens,
  sniffNotesFile,
  type TokenKind,
} from "../classify/mod.ts";
import { type ImageFormat, sniffImageFormat } from "../image/image_header.ts";
import type { TimedNote } from "../music/timeline.ts";
import { Problem } from "../problem.ts";

/** Where a notes query came from: a token family or a kind of file. */
export type NotesInput = TokenKind | NotesFileKind;

/** A parsed query, by modality. */
export type SearchQuery =
  | {
    readonly modality: "notes";
    readonly input: NotesInput;
    readonly notes: readonly TimedNote[];
  }
  | { readonly modality: "audio"; readonly input: "wav"; readonly audio: Audio }
  | { readonly modality: "sheet"; readonly input: ImageFormat; readonly image: Uint8Array };

/**
 * A notes query of melody or PrIMuS semantic tokens.
 *
 * @example
 * ```ts
 * import { tokensQuery } from "./search_query.ts";
 * const query = tokensQuery(["clef-G2", "note-C5_half", "note-D5_half", "barline"]);
 * console.assert(query.modality === "notes" && query.input === "semantic");
 * ```
 * @throws {Problem} 422 naming the first token that cannot be read.
 */
export function tokensQuery(tokens: readonly string[]): SearchQuery {
  const { kind, notes } = notesFromTokens(tokens);
  return { modality: "notes", input: kind, notes };
}

/** What the sender said about a file, and the bounds it must keep. */
export interface FileQueryOptions {
  /** The file name, for messages only. */
  readonly fileName?: string;
  /** The declared media type, for messages only. */
  readonly contentType?: string;
  /** The longest recording accepted, in seconds. */
  readonly maxAudioSeconds: number;
}

/** Compressed audio told by its first bytes: only WAV is decoded. */
function compressedAudio(bytes: Uint8Array): string | undefined {
  const ascii = (at: number, length: number) =>
    String.fromCharCode(...bytes.subarray(at, at + length));
  if (ascii(0, 3) === "ID3") return "audio/mpeg";
  if (bytes[0] === 0xff && (bytes[1]! & 0xf6) === 0xf0) return "audio/aac";
  if (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return "audio/mpeg";
  if (ascii(0, 4) === "OggS") return "audio/ogg";
  if (ascii(0, 4) === "fLaC") return "audio/flac";
  if (ascii(4, 4) === "ftyp") return "audio/mp4";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return "audio/webm";
  }
  if (ascii(0, 4) === "FORM" && /^AIF[FC]$/.test(ascii(8, 4))) return "audio/aiff";
  return undefined;
}

const WAV_TYPES = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];
const EXPECTED = "expected an image of a staff (PNG, JPEG, WebP), a WAV recording (PCM or " +
  "float), or notes (MusicXML, compressed MusicXML, ABC, Humdrum, MIDI)";

/** How the sender described the file: `"name" (type)`, or nothing. */
function described(options: FileQueryOptions): string {
  const parts = [
    options.fileName && `"${options.fileName.slice(0, 100)}"`,
    options.contentType && `(${options.contentType.slice(0, 100)})`,
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(" ")}` : "";
}

/** A recording, checked: decodable and within the length limit. */
function audioQuery(bytes: Uint8Array, options: FileQueryOptions): SearchQuery {
  let audio: Audio;
  try {
    audio = readWav(bytes); // an AudioFormatError (a codec it does not decode) answers 415
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new Problem(422, `Unreadable audio: ${error.message}`, {
      slug: "unreadable-audio",
      extensions: { field: "file" },
      cause: error,
    });
  }
  const seconds = audio.samples.length / audio.rate;
  if (seconds > options.maxAudioSeconds) {
    throw new Problem(
      413,
      `Recording too long: ${seconds.toFixed(1)} s, the limit is ${options.maxAudioSeconds} s`,
      { slug: "audio-too-long", extensions: { field: "file", limit: options.maxAudioSeconds } },
    );
  }
  return { modality: "audio", input: "wav", audio };
}

/**
 * The query a file holds: an image is a sheet, RIFF WAVE is audio, and MusicXML, ABC, Humdrum or
 * MIDI are notes (read here, through Verovio for notation).
 *
 * @example
 * ```ts ignore
 * const query = await fileQuery(bytes, { contentType: file.type, maxAudioSeconds: 600 });
 * ```
 * @throws {Problem} 415 naming what was sent when it is none of these (compressed audio
 * included), 422 when it is empty or cannot be read, 413 for a recording over the limit.
 */
export async function fileQuery(
  bytes: Uint8Array,
  options: FileQueryOptions,
): Promise<SearchQuery> {
  if (bytes.byteLength === 0) {
    throw new Problem(422, `Unreadable file${described(options)}: it is empty`, {
      slug: "empty-file",
      extensions: { field: "file" },
    });
  }
  const image = sniffImageFormat(bytes);
  if (image !== undefined) return { modality: "sheet", input: image, image: bytes };
  if (isWav(bytes)) return audioQuery(bytes, options);
  const declared = (options.contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
  const compressed = compressedAudio(bytes);
  if (compressed !== undefined || (declared.startsWith("audio/") && !declared.includes("midi"))) {
    if (compressed === undefined && WAV_TYPES.includes(declared)) {
      throw new Problem(422, `Unreadable audio${described(options)}: no RIFF WAVE header`, {
        slug: "unreadable-audio",
        extensions: { field: "file" },
      });
    }
    const type = compressed ?? declared;
    throw new Problem(
      415,
      `Unsupported audio "${type}"${described(options)}: send WAV (PCM or IEEE float)`,
      { slug: "unsupported-audio", extensions: { field: "file", type } },
    );
  }
  const kind = sniffNotesFile(bytes);
  if (kind === undefined) {
    throw new Problem(415, `Unsupported file${described(options)}: ${EXPECTED}`, {
      slug: "unsupported-file",
      extensions: { field: "file" },
    });
  }
  return { modality: "notes", input: kind, notes: await notesFromFile(bytes, kind) };
}
