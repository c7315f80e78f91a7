/// <reference lib="dom" />
/**
 * The web app's calls for writing: the genres, a generated melody (JSON, or a score format of
 * the same seed) and the classifier's verdict on its tokens.
 *
 * @module
 */
import type { Generation } from "../shared/generate/generate.ts";
import { jsonBody, type ScoreFormat, send } from "./api.ts";

/** A genre as `GET /v1/genres` lists it. */
export interface Genre {
  /** Its id, e.g. `irish-folk`. */
  readonly id: string;
  /** What it is, when the manifest says. */
  readonly description: string | null;
  /** Whether the generator writes it. */
  readonly generate: boolean;
  /** The generator's default guidance weight for it; `null` when it does not write it. */
  readonly guidance: number | null;
}

/** The genres, in the generator's label order. */
export async function listGenres(): Promise<Genre[]> {
  return (await (await send("/v1/genres")).json()).genres;
}

/** What to generate: the body of `POST /v1/generate`. */
export interface GenerateRequest {
  /** A genre id. */
  readonly genre: string;
  /** Measures of the whole line. */
  readonly measures: number;
  /** Sampling temperature. */
  readonly temperature: number;
  /** Genre guidance weight (0: the genre's own distribution). */
  readonly guidance: number;
  /** The seed; random (and answered) when absent. */
  readonly seed?: number;
}

/** A generated melody: `POST /v1/generate` answers the service's own generation as JSON. */
export type { Generation } from "../shared/generate/generate.ts";

/** Generates a melody. */
export async function generate(request: GenerateRequest): Promise<Generation> {
  return await (await send("/v1/generate", jsonBody(request))).json();
}

/** The melody of `request` (with its seed, so the same line) as `format`. */
export async function generatedScore(
  request: GenerateRequest & { readonly seed: number },
  format: ScoreFormat,
): Promise<Blob> {
  return await (await send(`/v1/generate?format=${format}`, jsonBody(request))).blob();
}

/** The classifier's answer (the fields the app shows). */
export interface Verdict {
  /** Every genre, most probable first. */
  readonly genres: readonly { readonly genre: string; readonly probability: number }[];
  /** The most probable genre. */
  readonly best: string;
  /** The classifier. */
  readonly model: { readonly name: string; readonly version: string };
}

/** The genre probabilities of melody or semantic `tokens`. */
export async function classify(tokens: readonly string[]): Promise<Verdict> {
  return await (await send("/v1/classify", jsonBody({ tokens }))).json();
}
