/**
 * @module Reading one stored excerpt of a score: its measures and semantic tokens, so a client can
 * show (engrave, play) what a search matched.
 */
import type { Kysely } from "kysely";
import type { Tables } from "../db/schema.ts";

/** An excerpt as the API shows it. */
export interface ExcerptView {
  /** The score it belongs to. */
  readonly scoreId: string;
  /** 0-based order among the score's excerpts. */
  readonly position: number;
  /** 1-based index of its first measure. */
  readonly firstMeasure: number;
  /** 1-based index of its last measure, inclusive. */
  readonly lastMeasure: number;
  /** PrIMuS semantic tokens, starting with the clef, key and meter in force. */
  readonly tokens: readonly string[];
}

/**
 * The excerpt at `position` of the score `scoreId`, or `undefined` when there is none.
 *
 * @example
 * ```ts ignore
 * const excerpt = await getExcerpt(db, scoreId, 0);
 * console.log(excerpt?.tokens.slice(0, 3)); // ["clef-G2", "keySignature-DM", "timeSignature-4/4"]
 * ```
 */
export async function getExcerpt(
  db: Kysely<Tables>,
  scoreId: string,
  position: number,
): Promise<ExcerptView | undefined> {
  const row = await db.selectFrom("excerpts")
    .select(["score_id", "position", "first_measure", "last_measure", "tokens"])
    .where("score_id", "=", scoreId).where("position", "=", position)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    scoreId: row.score_id,
    position: row.position,
    firstMeasure: row.first_measure,
    lastMeasure: row.last_measure,
    tokens: row.tokens,
  };
}
