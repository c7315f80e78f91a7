/**
 * The parse step's work: a score file to MEI. Notation formats go through Verovio; an image goes
 * through page recognition (the code behind `POST /v1/recognize?layout=page`) and its tokens
 * become MEI.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { ScoreFormat } from "../db/schema.ts";
import { decodeImage } from "../image/decode_image.ts";
import type { ModelRegistry } from "../models/mod.ts";
import { parseToken } from "../music/semantic_tokens.ts";
import { tokensToMei } from "../music/tokens_to_mei.ts";
import { sharedVerovio, VerovioError } from "../music/verovio.ts";
import { recognizePage } from "../recognize_page.ts";
import { decodeScoreText, unreadableScore as unreadable } from "./score_format.ts";

/** What parsing needs: the models (for images) and the recognition settings. */
export interface ParseContext {
  /** The model registry, for image scores. */
  readonly models: ModelRegistry;
  /** The process configuration (recognition model and pixel limit). */
  readonly config: Pick<Config, "recognize">;
}

/** The MEI of a text score, or a 422 naming why Verovio refused it. */
async function notationToMei(bytes: Uint8Array, format: Exclude<ScoreFormat, "image">) {
  let data: string | Uint8Array = bytes;
  if (format !== "mxl") {
    const text = decodeScoreText(bytes);
    if (text === undefined) throw unreadable(`the ${format} file is not UTF-8 or UTF-16 text`);
    if (format === "abc") {
      // Verovio reads one tune at a time; a collection is several scores.
      const tunes = text.match(/^X:/gm)?.length ?? 0;
      if (tunes > 1) {
        throw unreadable(`the ABC file holds ${tunes} tunes: upload one tune per score`);
      }
    }
    // The declaration must agree with the (now UTF-8) text Verovio receives.
    data = text.replace(/^(\s*<\?xml[^>]*?encoding=)["'][^"']*["']/, "$1'UTF-8'");
  }
  try {
    return await (await sharedVerovio()).toMei(data, format);
  } catch (error) {
    if (error instanceof VerovioError) throw unreadable(error.message, error);
    throw error;
  }
}

/** The MEI of the page an image shows, recognized staff by staff and joined into one score. */
async function imageToMei(bytes: Uint8Array, context: ParseContext): Promise<string> {
  const { model, maxPixels } = context.config.recognize;
  const gray = await decodeImage(bytes, { maxPixels });
  const page = await recognizePage(gray, context.models, {
    model,
    decoder: "greedy",
    beamWidth: 1,
  });
  const tokens = page.combined.semantic;
  try {
    return tokensToMei(tokens.map(parseToken));
  } catch (error) {
    throw unreadable(
      `the recognized tokens do not form a score: ${
        error instanceof Error ? error.message : error
      }`,
      error,
    );
  }
}

/**
 * Reads a score file in `format` as MEI.
 *
 * @example
 * ```ts ignore
 * const mei = await parseScore(bytes, "abc", { models, config });
 * ```
 * @throws {Problem} 422 when the file cannot be read as a score (413 for an image with too many
 * pixels); an unreadable image throws `ImageFormatError`.
 */
export async function parseScore(
  bytes: Uint8Array,
  format: ScoreFormat,
  context: ParseContext,
): Promise<string> {
  return format === "image" ? await imageToMei(bytes, context) : await notationToMei(bytes, format);
}
