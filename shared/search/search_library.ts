/**
 * @module One search, end to end and without HTTP: a parsed query drawn as its modality's roll,
 * embedded by that modality's encoder, and matched against the library's excerpts.
 */
import type { Services } from "../services.ts";
import { embedRolls } from "./embed_rolls.ts";
import { queryRoll } from "./query_roll.ts";
import { type ScoreMatch, searchExcerpts, type SearchFilters } from "./search_excerpts.ts";
import { loadSearchModel, queryRecognizer, type SearchModality } from "./search_model.ts";
import type { NotesInput, SearchQuery } from "./search_query.ts";

/** Options of {@linkcode searchLibrary}. */
export interface SearchOptions {
  /** Scores to answer, at most. */
  readonly limit: number;
  /** Metadata every score answered must have (values compared ignoring case). */
  readonly filters?: SearchFilters;
  /** Cancels recognition and inference. */
  readonly signal?: AbortSignal;
}

/** What {@linkcode searchLibrary} answers. */
export interface SearchAnswer {
  /** The query's modality. */
  readonly modality: SearchModality;
  /** What it was read from: a token family, a kind of notes file, `wav`, or an image format. */
  readonly input: NotesInput | "wav" | "png" | "jpeg" | "webp";
  /** The encoder that embedded the query. */
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  /** The nearest scores, nearest first. */
  readonly results: readonly ScoreMatch[];
  /** Milliseconds drawing the roll (recognition included), embedding it, and searching. */
  readonly timing: { readonly rollMs: number; readonly embedMs: number; readonly searchMs: number };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Searches the library with `query`. Only scores embedded by the configured notes encoder are
 * compared: embeddings of another model do not share its space.
 *
 * @example
 * ```ts ignore
 * const answer = await searchLibrary(services, tokensQuery(tokens), { limit: 10 });
 * console.log(answer.results[0]?.title);
 * ```
 * @throws {import("../problem.ts").Problem} 422 (413) when the query cannot be drawn; see
 * `queryRoll`.
 * @throws {import("../models/mod.ts").ModelNotFoundError} when an encoder is not in the manifest.
 */
export async function searchLibrary(
  services: Pick<Services, "config" | "database" | "models">,
  query: SearchQuery,
  options: SearchOptions,
): Promise<SearchAnswer> {
  const { config, models } = services;
  const model = await loadSearchModel(
    models,
    config.search.models[query.modality],
    query.modality,
  );
  const library = await models.model(config.search.models.notes);
  const t0 = performance.now();
  const roll = await queryRoll(models, query, model.spec, {
    recognize: await queryRecognizer(models, model, config.recognize),
    signal: options.signal,
  });
  const t1 = performance.now();
  const [embedding] = await embedRolls(models, model, [roll], { signal: options.signal });
  const t2 = performance.now();
  const results = await searchExcerpts(services.database.db, embedding!, {
    limit: options.limit,
    filters: options.filters,
    embeddingSha256: library.sha256,
  });
  const t3 = performance.now();
  return {
    modality: query.modality,
    input: query.input,
    model: { name: model.entry.name, version: model.entry.version, sha256: model.entry.sha256 },
    results,
    timing: { rollMs: round(t1 - t0), embedMs: round(t2 - t1), searchMs: round(t3 - t2) },
  };
}
