/**
 * The replay cache of the signed webhook: each accepted signature is remembered for twice the
 * timestamp window (longer than any delivery with that signature can be accepted), so the same
 * signed delivery is refused the second time.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import type { Tables } from "../db/schema.ts";
import type { VerifiedDelivery } from "./hook_signature.ts";

/**
 * Records `delivery`; `false` when its signature was already recorded (a replay). Entries older
 * than twice `windowSeconds` are dropped on the way.
 *
 * @example
 * ```ts ignore
 * if (!await rememberDelivery(db, delivery, 300)) throw new Problem(409, "Replayed delivery");
 * ```
 */
export async function rememberDelivery(
  db: Kysely<Tables>,
  delivery: VerifiedDelivery,
  windowSeconds: number,
): Promise<boolean> {
  await db.deleteFrom("hook_deliveries")
    .where("received_at", "<", sql<Date>`now() - make_interval(secs => ${2 * windowSeconds})`)
    .execute();
  const inserted = await db.insertInto("hook_deliveries")
    .values({ signature: delivery.signature, signed_at: delivery.signedAt })
    .onConflict((oc) => oc.column("signature").doNothing())
    .returning("signature")
    .executeTakeFirst();
  return inserted !== undefined;
}
