/**
 * Recovery after a model change: indexed scores whose excerpts another notes encoder embedded
 * (or none) are embedded again with the configured one, since search compares only embeddings of
 * the model it asks with. Each score is written in its own transaction, so a crash loses nothing
 * and the next run takes the rest.
 *
 * @module
 */
import type { LibraryServices } from "./jobs.ts";
import { embedScore, writeEmbeddings } from "./embed_score.ts";

/** What {@linkcode reembed} did. */
export interface ReembedResult {
  /** The encoder's manifest name. */
  readonly model: string;
  /** Scores embedded again. */
  readonly embedded: readonly string[];
  /** Scores that failed, with why; they stay as they were. */
  readonly failed: readonly { readonly scoreId: string; readonly error: string }[];
}

/**
 * Embeds again every indexed score whose embeddings are not the configured notes encoder's.
 *
 * @example
 * ```ts ignore
 * const { embedded, failed } = await reembed(services);
 * console.log(`${embedded.length} score(s) embedded again, ${failed.length} failed`);
 * ```
 */
export async function reembed(services: LibraryServices): Promise<ReembedResult> {
  const db = services.database.db;
  const name = services.config.search.models.notes;
  const { sha256 } = await services.models.model(name);
  const stale = await db.selectFrom("scores").select("id")
    .where("status", "=", "indexed")
    .where((eb) =>
      eb.or([eb("embedding_sha256", "is", null), eb("embedding_sha256", "!=", sha256)])
    )
    .orderBy("created_at").execute();
  const embedded: string[] = [];
  const failed: { scoreId: string; error: string }[] = [];
  for (const { id } of stale) {
    try {
      const scoreEmbeddings = await embedScore(services, id);
      const done = await db.transaction().execute(async (tx) => {
        // A score an index job took up meanwhile is that job's to embed.
        const row = await tx.selectFrom("scores").select("status").where("id", "=", id)
          .forUpdate().executeTakeFirst();
        if (row?.status !== "indexed") return false;
        await writeEmbeddings(tx, scoreEmbeddings);
        return true;
      });
      if (done) embedded.push(id);
    } catch (error) {
      failed.push({ scoreId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { model: name, embedded, failed };
}
