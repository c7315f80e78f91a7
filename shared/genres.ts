/**
 * @module The genres the generator and the classifier know, with their descriptions and how many
 * samples of each they learnt from, read from their manifest entries.
 */
import type { JsonValue, ModelEntry, ModelRegistry } from "./models/mod.ts";
import { ModelNotFoundError } from "./models/mod.ts";

/** One genre. */
export interface GenreInfo {
  /** The id requests use, e.g. `irish-folk`. */
  readonly id: string;
  /** What a musician would call it; `null` when no manifest entry describes it. */
  readonly description: string | null;
  /** Training excerpts (melody lines) of the genre; `null` when the manifest does not say. */
  readonly excerpts: number | null;
  /** Pieces they were cut from; `null` when the manifest does not say. */
  readonly pieces: number | null;
  /** Whether the generator writes it. */
  readonly generate: boolean;
  /** The generator's default guidance weight for it (`null` when the generator lacks it). */
  readonly guidance: number | null;
  /** Whether the classifier scores it. */
  readonly classify: boolean;
}

/** The models to read: manifest names of the generator and the classifier. */
export interface GenreSources {
  /** The generator (`config.generate.model`). */
  readonly generate: string;
  /** The classifier (`config.classify.model`). */
  readonly classify: string;
}

type Json = { readonly [key: string]: JsonValue };
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);

/** `preprocess.genres` of an entry (`[{id, description, excerpts?, pieces?}]`) by id. */
function described(entry: ModelEntry | undefined): Map<string, Json> {
  const list = entry?.preprocess?.genres;
  const out = new Map<string, Json>();
  if (Array.isArray(list)) {
    for (const g of list) if (isObject(g) && typeof g.id === "string") out.set(g.id, g);
  }
  return out;
}

/** Sample counts of `id` from `data.stats` (`{genre: {split: {pieces, excerpts}}}`), summed. */
function fromStats(entry: ModelEntry | undefined, id: string) {
  const stats = entry?.data?.stats;
  const genre = isObject(stats) ? stats[id] : undefined;
  if (!isObject(genre)) return { excerpts: null, pieces: null };
  const sum = (key: string) => {
    const values = Object.values(genre).map((split) => isObject(split) ? count(split[key]) : null);
    return values.length > 0 && values.every((v) => v !== null)
      ? values.reduce((a, b) => a! + b!, 0)
      : null;
  };
  return { excerpts: sum("excerpts"), pieces: sum("pieces") };
}

/** A genre's calibrated guidance weight, 0 when none is recorded. */
const guidanceOf = (genre: Json | undefined) =>
  typeof genre?.guidance === "number" && genre.guidance >= 0 ? genre.guidance : 0;

async function entryOrUndefined(models: ModelRegistry, name: string) {
  try {
    return await models.model(name);
  } catch (error) {
    if (error instanceof ModelNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The genres of the generator and the classifier, generator's order first. Descriptions and
 * counts come from `preprocess.genres[]` (`description`, `excerpts`, `pieces`) of either entry,
 * counts else from `data.stats`.
 *
 * @example
 * ```ts
 * import { genreCatalogue } from "./genres.ts";
 * import { ModelRegistry } from "./models/mod.ts";
 * import { LocalObjectStore } from "./storage/mod.ts";
 * const models = new ModelRegistry({ source: new LocalObjectStore("models"), onnx: { backend: "web" } });
 * const genres = await genreCatalogue(models, { generate: "melody-int8", classify: "genre" });
 * console.assert(genres.some((g) => g.id === "irish-folk"));
 * await models.close();
 * ```
 * @throws {ModelNotFoundError} when the manifest has neither model.
 */
export async function genreCatalogue(
  models: ModelRegistry,
  sources: GenreSources,
): Promise<GenreInfo[]> {
  const generator = await entryOrUndefined(models, sources.generate);
  const classifier = await entryOrUndefined(models, sources.classify);
  if (generator === undefined && classifier === undefined) await models.model(sources.generate);
  const writes = generator?.labels ?? [];
  const scores = classifier?.labels ?? [];
  const ids = [...new Set([...writes, ...scores])];
  const descriptions = [described(generator), described(classifier)];
  return ids.map((id) => {
    const info = descriptions.map((d) => d.get(id)).filter((g) => g !== undefined);
    const first = (key: string) => info.map((g) => g[key]).find((v) => v !== undefined);
    const stats = [fromStats(generator, id), fromStats(classifier, id)];
    const description = first("description");
    return {
      id,
      description: typeof description === "string" ? description : null,
      excerpts: count(first("excerpts")) ?? stats.map((s) => s.excerpts).find((v) => v !== null) ??
        null,
      pieces: count(first("pieces")) ?? stats.map((s) => s.pieces).find((v) => v !== null) ?? null,
      generate: writes.includes(id),
      guidance: writes.includes(id) ? guidanceOf(descriptions[0]!.get(id)) : null,
      classify: scores.includes(id),
    };
  });
}
