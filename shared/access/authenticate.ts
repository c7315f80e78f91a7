/**
 * Who presents a key: the bootstrap admin key from the environment (`STAVE_API_KEY`) or a stored
 * key found by the sha256 of the presented secret. Digests are compared in constant time.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { Tables } from "../db/schema.ts";
import { sha256Hex } from "../sha256.ts";
import { SECRET_PATTERN } from "./api_keys.ts";
import type { Scope } from "./scopes.ts";

/** The holder of an admitted key. */
export interface Principal {
  /** The key's id; {@linkcode BOOTSTRAP_KEY_ID} for the environment's key. */
  readonly id: string;
  /** The key's name. */
  readonly name: string;
  /** What the key may do. */
  readonly scopes: readonly Scope[];
}

/** The id of the bootstrap key from the environment, which has the scope `admin`. */
export const BOOTSTRAP_KEY_ID = "env";

/** The outcome of {@linkcode authenticate}: the principal, or why the key is refused. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: "unknown" | "revoked" };

/** Options of {@linkcode authenticate}. */
export interface AuthenticateOptions {
  /** The environment's admin key (`STAVE_API_KEY`), when set. */
  readonly bootstrapKey?: string;
}

/** `last_used_at` moves at most this often per key, so busy keys do not write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const sameDigest = (a: string, b: string) =>
  a.length === b.length &&
  timingSafeEqual(new TextEncoder().encode(a), new TextEncoder().encode(b));

/**
 * Admits `presented` (the bearer token of a request) or says why not. Stored keys are looked up
 * by the sha256 of the token, so the lookup's timing reveals nothing an attacker can steer, and
 * the stored digest is compared again in constant time.
 *
 * @example
 * ```ts
 * import { authenticate } from "./authenticate.ts";
 * import { openDatabase } from "../db/mod.ts";
 * const database = await openDatabase({ kind: "pglite", dir: "memory://" });
 * const admitted = await authenticate(database.db, "bootstrap-key-0123456789", {
 *   bootstrapKey: "bootstrap-key-0123456789",
 * });
 * console.assert(admitted.ok && admitted.principal.scopes[0] === "admin");
 * await database.close();
 * ```
 */
export async function authenticate(
  db: Kysely<Tables>,
  presented: string,
  options: AuthenticateOptions = {},
): Promise<Authentication> {
  const digest = await sha256Hex(presented);
  const { bootstrapKey } = options;
  if (bootstrapKey !== undefined && sameDigest(digest, await sha256Hex(bootstrapKey))) {
    return {
      ok: true,
      principal: { id: BOOTSTRAP_KEY_ID, name: "STAVE_API_KEY", scopes: ["admin"] },
    };
  }
  // Only well-formed secrets can be stored keys: anything else costs no query.
  if (!SECRET_PATTERN.test(presented)) return { ok: false, reason: "unknown" };
  const row = await db.selectFrom("api_keys")
    .select(["id", "name", "scopes", "secret_sha256", "revoked_at", "last_used_at"])
    .where("secret_sha256", "=", digest)
    .executeTakeFirst();
  if (row === undefined || !sameDigest(row.secret_sha256, digest)) {
    return { ok: false, reason: "unknown" };
  }
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  if (
    row.last_used_at === null || Date.now() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS
  ) {
    await db.updateTable("api_keys").set((eb) => ({ last_used_at: eb.fn<Date>("now", []) }))
      .where("id", "=", row.id).execute();
  }
  return { ok: true, principal: { id: row.id, name: row.name, scopes: row.scopes } };
}
