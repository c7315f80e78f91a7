/**
 * Answers in a score format: the formats a function may answer (JSON or MusicXML, MEI, MIDI,
 * SVG), the choice between them (`?format=`, else `Accept`), and the rendering of semantic tokens
 * with the shared writers. `/v1/recognize` and `/v1/generate` answer through it.
 *
 * @module
 */
import { parseToken, tokensToMei, tokensToMusicXml } from "../../shared/music/mod.ts";
import { renderMeiMidi } from "../../shared/music/render_midi.ts";
import { renderMeiSvg } from "../../shared/music/render_svg.ts";
import { mediaType } from "./media_type.ts";

/** Media type of each answer format. */
export const ANSWER_FORMATS = {
  json: "application/json",
  musicxml: "application/vnd.recordare.musicxml+xml",
  mei: "application/mei+xml",
  midi: "audio/midi",
  svg: "image/svg+xml",
} as const;

/** One of {@linkcode ANSWER_FORMATS}. */
export type AnswerFormat = keyof typeof ANSWER_FORMATS;

/** A score format, everything but JSON. */
export type ScoreAnswerFormat = Exclude<AnswerFormat, "json">;

/** The format names, for query schemas. */
export const ANSWER_FORMAT_NAMES = Object.keys(ANSWER_FORMATS) as [AnswerFormat, ...AnswerFormat[]];

/** The format asked by `?format=`, else the first known media type of `Accept`, else JSON. */
export function chooseFormat(
  query: AnswerFormat | undefined,
  accept: string | undefined,
): AnswerFormat {
  if (query !== undefined) return query;
  for (const part of (accept ?? "").split(",")) {
    const type = mediaType(part);
    const found = ANSWER_FORMAT_NAMES.find((f) => ANSWER_FORMATS[f] === type);
    if (found !== undefined) return found;
  }
  return "json";
}

/**
 * Semantic tokens as MusicXML, MEI, a Standard MIDI File or SVG.
 *
 * @throws {SyntaxError} (or the writers' errors) when the tokens do not form a staff.
 */
export async function renderScore(
  format: ScoreAnswerFormat,
  tokens: readonly string[],
): Promise<string | Uint8Array<ArrayBuffer>> {
  const parsed = tokens.map(parseToken);
  if (format === "musicxml") return tokensToMusicXml(parsed);
  const mei = tokensToMei(parsed);
  if (format === "mei") return mei;
  if (format === "midi") return await renderMeiMidi(mei);
  return await renderMeiSvg(mei);
}
