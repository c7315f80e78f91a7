/**
 * The embed step's work: a score's excerpts embedded by the configured notes encoder and written
 * back, with the score marked indexed by that model. Also what `deno task reindex` runs on scores
 * an older model embedded.
 *
 * @module
 */
import { sql, type Transaction } from "kysely";
import type { Tables } from "../db/schema.ts";
import { embedExcerpts, loadSearchModel, vectorText } from "../search/mod.ts";
import type { LibraryServices } from "./jobs.ts";

/** A score's excerpts as embedded, ready to write. */
export interface EmbeddedScore {
  /** The score. */
  readonly scoreId: string;
  /** Hex sha256 of the encoder that made the embeddings. */
  readonly sha256: string;
  /** Each excerpt as read (its tokens guard the write) and its embedding's text, or `null`. */
  readonly excerpts: readonly {
    readonly position: number;
    readonly tokens: readonly string[];
    readonly embedding: string | null;
  }[];
}

/** Excerpts per update statement. */
const BATCH = 200;

/**
 * Reads the score's excerpts and embeds them with the notes encoder named by the configuration.
 *
 * @example
 * ```ts ignore
 * const embedded = await embedScore(services, scoreId);
 * await db.transaction().execute((tx) => writeEmbeddings(tx, embedded));
 * ```
 */
export async function embedScore(
  services: LibraryServices,
  scoreId: string,
): Promise<EmbeddedScore> {
  const model = await loadSearchModel(
    services.models,
    services.config.search.models.notes,
    "notes",
  );
  const rows = await services.database.db.selectFrom("excerpts").select(["position", "tokens"])
    .where("score_id", "=", scoreId).orderBy("position").execute();
  const embeddings = await embedExcerpts(services.models, model, rows.map((r) => r.tokens));
  return {
    scoreId,
    sha256: model.entry.sha256,
    excerpts: rows.map((row, i) => ({
      position: row.position,
      tokens: row.tokens,
      embedding: embeddings[i] ? vectorText(embeddings[i]) : null,
    })),
  };
}

/**
 * Writes the embeddings and marks the score indexed by their model, in `tx`.
 *
 * @throws {Error} when the score's excerpts changed since they were read (nothing is written
 * once the transaction rolls back; running the step again embeds the new ones).
 */
export async function writeEmbeddings(
  tx: Transaction<Tables>,
  embedded: EmbeddedScore,
): Promise<void> {
  const { scoreId, excerpts } = embedded;
  let updated = 0;
  for (let i = 0; i < excerpts.length; i += BATCH) {
    const values = excerpts.slice(i, i + BATCH).map((e) =>
      sql`(${e.position}::integer, ${[...e.tokens]}::text[], ${e.embedding}::vector)`
    );
    const result = await sql`
      UPDATE excerpts AS e SET embedding = v.embedding
      FROM (VALUES ${sql.join(values)}) AS v (position, tokens, embedding)
      WHERE e.score_id = ${scoreId} AND e.position = v.position AND e.tokens = v.tokens`
      .execute(tx);
    updated += Number(result.numAffectedRows ?? 0);
  }
  const count = await tx.selectFrom("excerpts").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("score_id", "=", scoreId).executeTakeFirstOrThrow();
  if (updated !== excerpts.length || Number(count.n) !== excerpts.length) {
    throw new Error(`Excerpts of score "${scoreId}" changed while they were embedded`);
  }
  await tx.updateTable("scores")
    .set({ status: "indexed", embedding_sha256: embedded.sha256, updated_at: sql`now()` })
    .where("id", "=", scoreId).execute();
}
