/**
 * @module The nearest excerpts to a query embedding by cosine distance (pgvector `<=>` over the
 * HNSW index), grouped by score: the top scores, each with its best matching excerpts.
 */
import { type Kysely, sql } from "kysely";
import type { ScoreMetadata, Tables } from "../db/schema.ts";
import { vectorText } from "./vector_text.ts";

/** Metadata a score must have: field name to value, compared ignoring case. */
export type SearchFilters = Readonly<Record<string, string>>;

/** Options of {@linkcode searchExcerpts}. */
export interface SearchExcerptsOptions {
  /** Scores to answer, at most. */
  readonly limit: number;
  /** Hex sha256 of the model that embedded the library: other embeddings are not comparable. */
  readonly embeddingSha256: string;
  /** Metadata every score answered must have. */
  readonly filters?: SearchFilters;
  /** Excerpts answered per score, best first (default 3). */
  readonly excerptsPerScore?: number;
}

/** One matching excerpt. */
export interface ExcerptMatch {
  /** Its 0-based position among the score's excerpts. */
  readonly position: number;
  /** Its first measure (1-based). */
  readonly firstMeasure: number;
  /** Its last measure, inclusive. */
  readonly lastMeasure: number;
  /** 1 - cosine distance to the query, in [-1, 1]. */
  readonly similarity: number;
}

/** One matching score: its best excerpt's similarity, and its best excerpts. */
export interface ScoreMatch {
  /** The score's id. */
  readonly scoreId: string;
  /** Its title. */
  readonly title: string;
  /** Its descriptive fields. */
  readonly metadata: ScoreMetadata;
  /** Its best excerpt's similarity. */
  readonly similarity: number;
  /** Its matching excerpts, best first. */
  readonly excerpts: readonly ExcerptMatch[];
}

/** Excerpts fetched per score asked for: a score may fill several of the nearest places. */
const CANDIDATES_PER_SCORE = 10;
/** Most excerpts fetched for one search, when a few scores fill the nearest places. */
const MAX_CANDIDATES = 10_000;
/** pgvector's largest `hnsw.ef_search`. */
const MAX_EF_SEARCH = 1000;

interface Row {
  score_id: string;
  title: string;
  metadata: ScoreMetadata;
  position: number;
  first_measure: number;
  last_measure: number;
  distance: number;
}

/** Per database: whether its vector extension scans HNSW iteratively past filtered rows
 * (pgvector 0.8+). Asked once: every query inside a transaction holds PGlite's one connection. */
const iterative = new WeakMap<Kysely<Tables>, Promise<boolean>>();

function iterativeScans(db: Kysely<Tables>): Promise<boolean> {
  let known = iterative.get(db);
  if (known === undefined) {
    known = sql<{ extversion: string }>`
      SELECT extversion FROM pg_extension WHERE extname = 'vector'`.execute(db).then(({ rows }) => {
      const [major = 0, minor = 0] = (rows[0]?.extversion ?? "0").split(".").map(Number);
      return major > 0 || minor >= 8;
    });
    known.catch(() => iterative.delete(db));
    iterative.set(db, known);
  }
  return known;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The `limit` scores whose excerpts lie nearest `embedding`, nearest first, among indexed scores
 * embedded by the model `embeddingSha256` names and matching every filter.
 *
 * @example
 * ```ts ignore
 * const matches = await searchExcerpts(db, embedding, { limit: 10, embeddingSha256: entry.sha256 });
 * console.log(matches[0]?.title, matches[0]?.excerpts[0]?.firstMeasure);
 * ```
 */
export async function searchExcerpts(
  db: Kysely<Tables>,
  embedding: ArrayLike<number>,
  options: SearchExcerptsOptions,
): Promise<ScoreMatch[]> {
  const query = vectorText(embedding);
  const filters = Object.entries(options.filters ?? {}).map(([name, value]) =>
    sql`lower(s.metadata ->> ${name}) = lower(${value})`
  );
  const scanMode = await iterativeScans(db) ? "relaxed_order" : "off";
  const nearest = (candidates: number) =>
    db.transaction().execute(async (tx) => {
      // The index scan answers at most ef_search rows; iterative scans go on past that, and past
      // rows the filters drop. One statement sets both: the transaction holds the connection.
      const ef = Math.min(MAX_EF_SEARCH, Math.max(40, candidates));
      await sql`SELECT set_config('hnsw.ef_search', ${String(ef)}, true),
        ${
        scanMode === "off" ? sql`NULL` : sql`set_config('hnsw.iterative_scan', ${scanMode}, true)`
      }`.execute(tx);
      const result = await sql<Row>`
        SELECT e.score_id, s.title, s.metadata, e.position, e.first_measure, e.last_measure,
               e.embedding <=> ${query}::vector AS distance
        FROM excerpts e JOIN scores s ON s.id = e.score_id
        WHERE e.embedding IS NOT NULL AND s.status = 'indexed'
          AND s.embedding_sha256 = ${options.embeddingSha256}
          ${filters.length ? sql`AND ${sql.join(filters, sql` AND `)}` : sql``}
        ORDER BY e.embedding <=> ${query}::vector
        LIMIT ${candidates}`.execute(tx);
      return result.rows;
    });
  let candidates = Math.min(MAX_CANDIDATES, options.limit * CANDIDATES_PER_SCORE);
  let rows = await nearest(candidates);
  // A few scores may fill every place fetched: fetch more while the places ran out first.
  while (
    rows.length === candidates && candidates < MAX_CANDIDATES &&
    new Set(rows.map((row) => row.score_id)).size < options.limit
  ) {
    candidates = Math.min(MAX_CANDIDATES, candidates * 4);
    rows = await nearest(candidates);
  }
  // Relaxed order: the index may answer slightly out of order.
  rows.sort((a, b) => Number(a.distance) - Number(b.distance));
  const perScore = options.excerptsPerScore ?? 3;
  const scores = new Map<string, { row: Row; excerpts: ExcerptMatch[] }>();
  for (const row of rows) {
    let score = scores.get(row.score_id);
    if (score === undefined) {
      if (scores.size === options.limit) continue;
      score = { row, excerpts: [] };
      scores.set(row.score_id, score);
    }
    if (score.excerpts.length === perScore) continue;
    score.excerpts.push({
      position: row.position,
      firstMeasure: row.first_measure,
      lastMeasure: row.last_measure,
      similarity: round(1 - Number(row.distance)),
    });
  }
  return [...scores.values()].map(({ row, excerpts }) => ({
    scoreId: row.score_id,
    title: row.title,
    metadata: row.metadata,
    similarity: excerpts[0]!.similarity,
    excerpts,
  }));
}
