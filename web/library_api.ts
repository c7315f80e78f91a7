/// <reference lib="dom" />
/**
 * The web app's calls to the library: search, the scores (list, one, upload, delete) and the
 * URL of an excerpt engraved as SVG. Writes send the API key as `Authorization: Bearer`.
 *
 * @module
 */
import { send } from "./api.ts";

/** One matched excerpt of a search result. */
export interface ExcerptMatch {
  /** 0-based order among the score's excerpts. */
  readonly position: number;
  /** 1-based first measure. */
  readonly firstMeasure: number;
  /** 1-based last measure, inclusive. */
  readonly lastMeasure: number;
  /** 1 - cosine distance. */
  readonly similarity: number;
}

/** One score of a search answer. */
export interface SearchResult {
  /** The score's id. */
  readonly scoreId: string;
  /** Its title. */
  readonly title: string;
  /** Its descriptive fields. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Its best excerpt's similarity. */
  readonly similarity: number;
  /** Its best matching excerpts, best first. */
  readonly excerpts: readonly ExcerptMatch[];
}

/** The answer of `POST /v1/search` (the fields the app shows). */
export interface SearchAnswer {
  /** `notes`, `audio` or `sheet`. */
  readonly modality: string;
  /** What the query was read from (`abc`, `wav`, `png`, ...). */
  readonly input: string;
  /** The encoder that embedded the query. */
  readonly model: { readonly name: string; readonly version: string };
  /** The nearest scores, nearest first. */
  readonly results: readonly SearchResult[];
  /** Milliseconds per stage on the server. */
  readonly timing: { readonly rollMs: number; readonly embedMs: number; readonly searchMs: number };
}

/** Searches the library for `file` (an image, a WAV recording or a notes file). */
export async function searchLibrary(file: File, limit = 10): Promise<SearchAnswer> {
  const body = new FormData();
  body.append("file", file);
  return await (await send(`/v1/search?limit=${limit}`, { method: "POST", body })).json();
}

/** A score as `GET /v1/scores` lists it. */
export interface ScoreSummary {
  /** Its id. */
  readonly id: string;
  /** Its title. */
  readonly title: string;
  /** Its descriptive fields. */
  readonly metadata: Readonly<Record<string, string>>;
  /** `pending`, `indexed` or `failed`. */
  readonly status: string;
  /** What the file is (`abc`, `musicxml`, `image`, ...). */
  readonly format: string | null;
  /** The file's size in bytes. */
  readonly bytes: number;
  /** How many excerpts are indexed. */
  readonly excerptCount: number;
  /** When it was stored (ISO 8601). */
  readonly createdAt: string;
}

/** A score with its latest index job, as `GET /v1/scores/{id}` answers it. */
export interface ScoreDetail extends ScoreSummary {
  /** The index job, or `null`. */
  readonly job: { readonly status: string; readonly error: string | null } | null;
}

/** One page of the library, newest first. */
export async function listScores(
  cursor?: string,
): Promise<{ scores: ScoreSummary[]; nextCursor: string | null }> {
  const query = cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`;
  return await (await send(`/v1/scores?limit=20${query}`)).json();
}

/** The score `id`. */
export async function getScore(id: string): Promise<ScoreDetail> {
  return await (await send(`/v1/scores/${encodeURIComponent(id)}`)).json();
}

const bearer = (key: string): Record<string, string> =>
  key === "" ? {} : { authorization: `Bearer ${key}` };

/** Stores and indexes `file` under `title` with `metadata`; needs a key with the scope `write`. */
export async function uploadScore(
  file: File,
  title: string,
  metadata: Readonly<Record<string, string>>,
  key: string,
): Promise<ScoreDetail> {
  const body = new FormData();
  body.append("file", file);
  body.append("title", title);
  for (const [name, value] of Object.entries(metadata)) body.append(name, value);
  return await (await send("/v1/scores", { method: "POST", body, headers: bearer(key) })).json();
}

/** Deletes the score `id` for everyone; needs a key with the scope `admin`. */
export async function deleteScore(id: string, key: string): Promise<void> {
  const response = await send(`/v1/scores/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: bearer(key),
  });
  await response.arrayBuffer(); // read to the end: an unread answer counts as an aborted request
}

/** Where the excerpt `position` of the score `id` is engraved as SVG (an image URL). */
export function excerptSvgUrl(id: string, position: number): string {
  return `/v1/scores/${encodeURIComponent(id)}/excerpts/${position}?format=svg`;
}
